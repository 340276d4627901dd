using System.Net;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>
/// The guard against real SampleApi processes: v1 stable, v2 canary at 20%, random user ids, a steady load, and
/// faults switched on at run time on v2's own port. Each test starts its own router.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class GuardRollbackTests(SampleApiPair samples, ITestOutputHelper output) : IClassFixture<SampleApiPair>, IAsyncLifetime
{
    private const double Weight = 20;

    /// <summary>The acceptance bound on the guard's reaction: generous, for a noisy 2-core machine (the figure is logged).</summary>
    private static readonly TimeSpan ReactionBound = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RollbackWait = TimeSpan.FromSeconds(15);

    public Task InitializeAsync() => samples.ResetAsync();

    public Task DisposeAsync() => samples.ResetAsync();

    /// <param name="maxP99Ms">
    /// Far above anything but the latency fault: over a few dozen canary requests the p99 is the slowest one, and on a
    /// busy machine one request can stall for a second.
    /// </param>
    /// <param name="windowSeconds">5 under a steady load; the tests that count single requests or wait for slow ones take a longer one, so none drops out meanwhile.</param>
    private JsonObject Release(double maxP99Ms = 10_000, int minRequests = 20, int windowSeconds = 5) => new()
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = Weight,
        ["UserKey"] = new JsonArray("header:X-User-Id"),
        ["Segments"] = new JsonArray(new JsonObject { ["Name"] = "beta", ["Header"] = "X-Beta", ["Values"] = new JsonArray("true"), ["Version"] = "v2" }),
        ["Guard"] = new JsonObject { ["WindowSeconds"] = windowSeconds, ["MinRequests"] = minRequests, ["MaxErrorRate"] = 0.05, ["MaxP99Ms"] = maxP99Ms },
        ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [samples.V1.Destination]), ("v2", [samples.V2.Destination])) },
    };

    [Fact]
    public async Task ErrorRate_CanaryFailsEverything_RolledBackAndCanaryGetsNothingMore()
    {
        await using var router = await LiveRouter.StartAsync(Release());
        var beta = await router.GetAsync("/api/version", "beta-user", ("X-Beta", "true"));
        Assert.Equal("v2", beta.Backend);

        await using var load = LoadDriver.RandomUsers(router);
        await load.WaitForAsync(o => o.Backend == "v2" && o.Status == HttpStatusCode.OK, 50, TimeSpan.FromSeconds(15), "healthy canary responses");

        await samples.V2.SetFaultsAsync(errorRate: 1);
        var rolledBack = await Poll.UntilAsync(router.StateAsync, s => s.Phase() == "RolledBack", RollbackWait, "rolled back", s => s.Show());
        var visibleAt = DateTimeOffset.UtcNow;

        // Requests in flight at the rollback finish (and are recorded, just after their response); then v2 must see nothing more.
        await load.WaitForAnswersToRequestsSentBeforeAsync(visibleAt, TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        var settledAt = DateTimeOffset.UtcNow;
        var canaryBefore = (await router.MetricsAsync()).Sum("canary_requests_total", ("release", "shop"), ("version", "v2"));
        await load.WaitForAsync(o => o.SentAt > settledAt, 200, TimeSpan.FromSeconds(15), "requests after the rollback");
        var scrape = await router.MetricsAsync();
        await load.StopAsync();

        Assert.Equal(0, rolledBack.Weight());
        Assert.Equal("v1", rolledBack["stable"]!.GetValue<string>());
        Assert.Equal("v2", rolledBack["canary"]!.GetValue<string>());
        Assert.Equal(canaryBefore, scrape.Sum("canary_requests_total", ("release", "shop"), ("version", "v2")));

        var outcomes = load.Outcomes;
        var afterRollback = outcomes.Where(o => o.SentAt > visibleAt).ToList();
        Assert.NotEmpty(afterRollback);
        Assert.All(afterRollback, o => Assert.True(o.Status == HttpStatusCode.OK && o.Backend == "v1", $"after the rollback: {o}"));

        // The decision, with the figures behind it.
        var guard = await Poll.GuardEventAsync(router);
        Assert.Equal("rollback", guard.Text("action"));
        Assert.Equal("guard_error_rate", guard.Text("code"));
        Assert.True(guard.Figure("canaryErrorRate") > 0.05, guard.Show());
        Assert.True(guard.Figure("canaryRequests") >= 20, guard.Show());
        Assert.True(guard.Figure("canaryServerErrors") > 0, guard.Show());
        Assert.Equal(0.05, guard.Figure("maxErrorRate"));
        Assert.Equal(20, guard.Figure("minRequests"));
        Assert.Equal(5, guard.Figure("windowSeconds"));
        Assert.Equal(20, guard["before"]!["weight"]!.GetValue<double>());
        Assert.Equal(0, guard["after"]!["weight"]!.GetValue<double>());
        Assert.Equal(1, scrape.Sum("canary_rollbacks_total", ("release", "shop"), ("reason", "guard_error_rate")));
        Assert.Equal(1, scrape.Sum("canary_rollbacks_total", ("release", "shop")));
        Assert.Equal(0, scrape.Sum("canary_weight_percent", ("release", "shop")));

        // Reaction: from the first failure a user saw to the rollback.
        var firstFailure = outcomes.Where(o => o.Backend == "v2" && o.Status == HttpStatusCode.InternalServerError).MinBy(o => o.ReceivedAt)!;
        var rollbackAt = guard["time"]!.GetValue<DateTimeOffset>();
        var reaction = rollbackAt - firstFailure.ReceivedAt;
        var failuresSeen = outcomes.Count(o => o.Backend == "v2" && o.Status == HttpStatusCode.InternalServerError);
        output.WriteLine($"guard reaction: rollback {reaction.TotalMilliseconds:0} ms after the first canary failure a user saw " +
            $"(visible in the admin API {(visibleAt - firstFailure.ReceivedAt).TotalMilliseconds:0} ms after); {failuresSeen} canary failures reached users; " +
            $"{outcomes.Count} requests in all; figures {guard["figures"]!.Show()}");
        Assert.True(reaction < ReactionBound, $"rolled back {reaction} after the first failure");
        Assert.True(guard.Figure("errorEvidence") >= guard.Figure("evidenceNeeded"), guard.Show());

        // The segment to the canary is held off: beta users are back on stable.
        var betaAfter = await router.GetAsync("/api/version", "beta-user", ("X-Beta", "true"));
        Assert.Equal(HttpStatusCode.OK, betaAfter.Status);
        Assert.Equal("v1", betaAfter.Backend);
        var state = await router.StateAsync();
        Assert.False(state["segments"]![0]!["active"]!.GetValue<bool>());
        Assert.Equal(canaryBefore, (await router.MetricsAsync()).Sum("canary_requests_total", ("release", "shop"), ("version", "v2")));
    }

    [Fact]
    public async Task Latency_CanaryAboveMaxP99_RolledBackForLatency()
    {
        // A longer window: the canary's slow requests come back seconds later, and the fast ones before the fault must
        // still count towards MinRequests by then.
        await using var router = await LiveRouter.StartAsync(Release(maxP99Ms: 2000, windowSeconds: 30));
        await using var load = LoadDriver.RandomUsers(router, concurrency: 6);
        await load.WaitForAsync(o => o.Backend == "v2" && o.Status == HttpStatusCode.OK, 50, TimeSpan.FromSeconds(15), "healthy canary responses");
        Assert.Equal("Progressing", (await router.StateAsync()).Phase());

        await samples.V2.SetFaultsAsync(latencyMs: 3000);
        var rolledBack = await Poll.UntilAsync(router.StateAsync, s => s.Phase() == "RolledBack", RollbackWait, "rolled back", s => s.Show());
        var visibleAt = DateTimeOffset.UtcNow;
        await load.WaitForAsync(o => o.SentAt > visibleAt, 100, TimeSpan.FromSeconds(15), "requests after the rollback");
        await load.StopAsync();

        Assert.Equal(0, rolledBack.Weight());
        Assert.All(load.Outcomes.Where(o => o.SentAt > visibleAt), o => Assert.True(o.Status == HttpStatusCode.OK && o.Backend == "v1", $"after the rollback: {o}"));

        var guard = await Poll.GuardEventAsync(router);
        Assert.Equal("guard_latency", guard.Text("code"));
        Assert.True(guard.Figure("canarySlow") > 0, guard.Show());
        Assert.True(guard.Figure("slowEvidence") >= guard.Figure("evidenceNeeded"), guard.Show());
        Assert.Equal(2000, guard.Figure("maxP99Ms"));
        Assert.Equal(0, guard.Figure("canaryServerErrors"));
        output.WriteLine($"latency rollback: {guard.Text("reason")}");

        var scrape = await router.MetricsAsync();
        Assert.Equal(1, scrape.Sum("canary_rollbacks_total", ("release", "shop"), ("reason", "guard_latency")));
        Assert.Equal(0, scrape.Sum("canary_rollbacks_total", ("release", "shop"), ("reason", "guard_error_rate")));
    }

    [Fact]
    public async Task ErrorRate_DeadCanaryAtLowTraffic_InconclusiveThenRolledBackAfterAHandfulOfFailures()
    {
        await using var router = await LiveRouter.StartAsync(Release(minRequests: 20, windowSeconds: 30));

        // A few clean requests: too little data, said so, with what the traffic could detect.
        foreach (var user in Users.Pick("quiet", 20, Weight, onCanary: false).Concat(Users.Pick("quiet", 5, Weight, onCanary: true)))
        {
            Assert.Equal(HttpStatusCode.OK, (await router.GetAsync("/api/version", user)).Status);
        }

        var quiet = await Poll.UntilAsync(router.StateAsync, s => s.GuardRequests("canary") == 5, TimeSpan.FromSeconds(10), "judged on 5 canary requests", s => s.Show());
        Assert.Equal("Inconclusive", quiet["guard"].Text("verdict"));
        Assert.StartsWith("too little data", quiet["guard"].Text("explanation"), StringComparison.Ordinal);
        Assert.Equal(200, quiet["guard"]!["evidence"]!["needed"]!.GetValue<double>());

        // Then the canary fails everything; users come one at a time, four on stable to each on the canary.
        await samples.V2.SetFaultsAsync(errorRate: 1);
        var stableUsers = new Queue<string>(Users.Pick("dead", 400, Weight, onCanary: false));
        var failed = 0;
        foreach (var user in Users.Pick("dead", 100, Weight, onCanary: true))
        {
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await router.GetAsync("/api/version", stableUsers.Dequeue())).Status);
            }

            var reply = await router.GetAsync("/api/version", user);
            if (reply.Backend != "v2")
            {
                break; // Rolled back: the canary's users are on stable again.
            }

            Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
            failed++;
        }

        var state = await Poll.UntilAsync(router.StateAsync, s => s.Phase() == "RolledBack", RollbackWait, "rolled back", s => s.Show());
        output.WriteLine($"dead canary at 20%: rolled back after {failed} failed user requests; {state["guard"]!.Show()}");
        Assert.InRange(failed, 1, 10);
        Assert.Equal(0, state.Weight());
        Assert.Equal("guard_error_rate", (await Poll.GuardEventAsync(router)).Text("code"));
    }

    [Fact]
    public async Task ErrorRate_BothVersionsFailingEqually_NoRollback()
    {
        await using var router = await LiveRouter.StartAsync(Release(windowSeconds: 30));
        await samples.V1.SetFaultsAsync(errorRate: 1);
        await samples.V2.SetFaultsAsync(errorRate: 1);

        // Stable ahead, so it always has enough traffic to compare with (stable below MinRequests: absolute threshold).
        var stableUsers = Users.Pick("shared", 60, Weight, onCanary: false);
        var canaryUsers = Users.Pick("shared", 40, Weight, onCanary: true);
        var order = stableUsers.Take(20).Concat(stableUsers.Skip(20).Zip(canaryUsers).SelectMany(pair => new[] { pair.First, pair.Second }));
        foreach (var user in order)
        {
            var reply = await router.GetAsync("/api/version", user);
            Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
            Assert.Equal(Users.OnCanary(user, Weight) ? "v2" : "v1", reply.Backend);
        }

        var state = await Poll.UntilAsync(router.StateAsync, s => s.GuardRequests("canary") == 40, TimeSpan.FromSeconds(10), "judged on 40 canary requests", s => s.Show());

        Assert.Equal(1.0, state["guard"]!["canary"]!["errorRate"]!.GetValue<double>());
        Assert.Equal(1.0, state["guard"]!["stable"]!["errorRate"]!.GetValue<double>());
        Assert.Equal("Healthy", state["guard"].Text("verdict"));
        Assert.Equal("Progressing", state.Phase());
        Assert.Equal(Weight, state.Weight());
        Assert.DoesNotContain((await router.EventsAsync()).Objects(), e => e.Text("actor") == "guard");

        var scrape = await router.MetricsAsync();
        Assert.Equal(0, scrape.Sum("canary_rollbacks_total", ("release", "shop")));
        Assert.Equal(1.0, scrape.Sum("canary_guard_error_rate", ("release", "shop"), ("version", "v2")));
        Assert.Equal(1.0, scrape.Sum("canary_guard_error_rate", ("release", "shop"), ("version", "v1")));
    }

    [Fact]
    public async Task ErrorRate_IdenticalVersionsWithBaseErrorsForAMinute_NoRollback()
    {
        await using var router = await LiveRouter.StartAsync(Release(windowSeconds: 10));
        await samples.V1.SetFaultsAsync(errorRate: 0.05);
        await samples.V2.SetFaultsAsync(errorRate: 0.05);

        // The old per-second rule rolled such a canary back within seconds ("2 of 21 in 1s").
        await using var load = LoadDriver.RandomUsers(router);
        await Task.Delay(TimeSpan.FromSeconds(60));
        await load.StopAsync();

        var state = await router.StateAsync();
        var canaryFailures = load.Count(o => o.Backend == "v2" && o.Status == HttpStatusCode.InternalServerError);
        output.WriteLine($"identical versions at 5% for 60 s: {load.Outcomes.Count} requests, {canaryFailures} canary failures; {state["guard"]!.Show()}");
        Assert.True(canaryFailures >= 20, $"too little traffic to mean anything: {canaryFailures} canary failures");
        Assert.Equal("Progressing", state.Phase());
        Assert.DoesNotContain((await router.EventsAsync()).Objects(), e => e.Text("actor") == "guard");
    }

    [Fact]
    public async Task ErrorRate_CanaryAtSixTimesStablesErrorRate_RolledBack()
    {
        await using var router = await LiveRouter.StartAsync(Release(windowSeconds: 10));
        await samples.V1.SetFaultsAsync(errorRate: 0.05);
        await samples.V2.SetFaultsAsync(errorRate: 0.3);

        await using var load = LoadDriver.RandomUsers(router);
        var rolledBack = await Poll.UntilAsync(router.StateAsync, s => s.Phase() == "RolledBack", TimeSpan.FromSeconds(60), "rolled back", s => s.Show());
        await load.StopAsync();

        var guard = await Poll.GuardEventAsync(router);
        output.WriteLine($"canary at 30% against 5%: {guard.Text("reason")}");
        Assert.Equal("guard_error_rate", guard.Text("code"));
        Assert.Equal(1, guard.Figure("comparedWithStable"));
        Assert.Equal(0, rolledBack.Weight());
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>The canary's process stops: its port refuses connections. Users see nothing of it; the metrics and the guard do.</summary>
[Collection(RealProcesses.Name)]
public sealed class CanaryRefusedTests
{
    private const double Weight = 50;

    [Fact]
    public async Task Get_CanaryProcessStopped_ServedByStableAndCountedAgainstCanary()
    {
        var samples = await SampleProcess.StartApisAsync(("v1", null), ("v2", null));
        await using var v1 = samples[0];
        await using var v2 = samples[1];
        await using var router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = Weight,
            ["UserKey"] = new JsonArray("header:X-User-Id"),
            // A long window and the guard judging without acting: this test counts every refused attempt, and a dead
            // canary would otherwise be rolled back after a handful of them.
            ["Guard"] = new JsonObject { ["Enabled"] = false, ["WindowSeconds"] = 60, ["MaxErrorRate"] = 0.05 },
            ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [v1.Destination]), ("v2", [v2.Destination])) },
        });
        var canaryUser = Users.Pick("refused", 1, Weight, onCanary: true)[0];
        Assert.Equal("v2", (await router.GetAsync("/api/version", canaryUser)).Backend);

        await v2.StopAsync();
        var before = await router.MetricsAsync();
        var users = Enumerable.Range(0, 60).Select(i => $"refused-{i}").ToList();
        foreach (var user in users)
        {
            var reply = await router.GetAsync("/api/version", user);

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("v1", reply.Backend);
            Assert.Equal("v1", reply.CanaryVersion);
        }

        // Every GET of a canary user was refused by v2 once, then served by v1.
        var refused = users.Count(u => Users.OnCanary(u, Weight));
        Assert.InRange(refused, 10, 50);
        var after = await router.MetricsAsync();
        double Delta(string version, string code) =>
            after.Sum("canary_requests_total", ("release", "shop"), ("version", version), ("code", code))
            - before.Sum("canary_requests_total", ("release", "shop"), ("version", version), ("code", code));
        Assert.Equal(refused, Delta("v2", "error"));
        Assert.Equal(0, Delta("v2", "2xx"));
        Assert.Equal(0, Delta("v2", "5xx"));
        Assert.Equal(users.Count, Delta("v1", "2xx"));
        Assert.Equal(0, Delta("v1", "error"));

        // The guard counts them as the canary's transport errors.
        var state = await Poll.UntilAsync(router.StateAsync, s => s["guard"]?["canary"]?["transportErrors"]?.GetValue<long>() == refused,
            TimeSpan.FromSeconds(5), $"{refused} canary transport errors in the guard's figures", s => s.Show());
        Assert.Equal("Progressing", state.Phase());
    }
}

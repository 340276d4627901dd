using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Router.FunctionalTests.Replicas;

/// <summary>
/// Three real router processes on one real redis-server (issue 13): one state, one guard over all traffic, steps
/// advanced once, and fail-static while Redis is down. Waits are generous deadlines, not timings (those are bench/'s).
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class ReplicaTests(SampleApiPair samples) : IClassFixture<SampleApiPair>, IAsyncLifetime
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public Task InitializeAsync() => samples.ResetAsync();

    public Task DisposeAsync() => samples.ResetAsync();

    [Fact]
    public async Task AdminWrites_OnOneReplica_ServedByEveryReplicaSameVersionPerUser()
    {
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject { ["Weight"] = 50 });
        var users = Enumerable.Range(0, 20).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        await EveryUserOnOneVersionAsync(fleet, users);

        // Each admin action on one replica, then every replica serves it (and the same revision).
        (int Replica, HttpMethod Method, string Action, string? Body, Func<JsonObject, bool> Done)[] writes =
        [
            (0, HttpMethod.Put, "weight", """{"weight": 100}""", r => (double)r["weight"]! == 100),
            (1, HttpMethod.Post, "pause", null, r => (string?)r["phase"] == "Paused"),
            (2, HttpMethod.Post, "rollback", null, r => (string?)r["phase"] == "RolledBack"),
            (0, HttpMethod.Put, "weight", """{"weight": 30}""", r => (double)r["weight"]! == 30),
            (1, HttpMethod.Post, "promote", null, r => (string?)r["phase"] == "Promoted"),
        ];
        foreach (var (replica, method, action, body, done) in writes)
        {
            using var response = await ReplicaFleet.WriteAsync(fleet.Routers[replica], method, action, body);
            Assert.True(response.IsSuccessStatusCode, $"{action} on replica {replica}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var revision = (long)(await ReplicaFleet.ReleaseAsync(fleet.Routers[replica]))["revision"]!;
            await fleet.UntilAllAsync(r => done(r) && ReplicaFleet.Revision(r) == revision, $"served {action} at revision {revision}");
        }

        await EveryUserOnOneVersionAsync(fleet, users);
        var promoted = await ReplicaFleet.ReleaseAsync(fleet.Routers[2]);
        foreach (var user in users)
        {
            Assert.Equal((string?)promoted["stable"], (await ReplicaFleet.AskAsync(Client, fleet.Routers[2], user)).Version);
        }

        // The decision log is the fleet's: every replica shows each write once, in order.
        var logs = await Task.WhenAll(fleet.Routers.Select(ReplicaFleet.EventsAsync));
        foreach (var log in logs)
        {
            var actions = log.Where(e => (string?)e!["actor"] == "operator").Select(e => (string)e!["action"]!).ToList();
            Assert.Equal(["weight", "pause", "rollback", "weight", "promote"], actions);
        }
    }

    [Fact]
    public async Task ConcurrentWrites_SameIfMatchOnTwoReplicas_ExactlyOneWins()
    {
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject { ["Weight"] = 10 });
        for (var round = 0; round < 5; round++)
        {
            var states = await fleet.UntilAllAsync(r => true, "answered");
            var revision = ReplicaFleet.Revision(states[0]);
            await fleet.UntilAllAsync(r => ReplicaFleet.Revision(r) == revision, $"reached revision {revision}");
            var tag = "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"";
            // Weights no replica has had yet: a write that changes nothing succeeds without a revision.
            double[] weights = [20 + round, 60 + round];
            var answers = await Task.WhenAll(
                ReplicaFleet.WriteAsync(fleet.Routers[0], HttpMethod.Put, "weight", $$"""{"weight": {{weights[0]}}}""", tag),
                ReplicaFleet.WriteAsync(fleet.Routers[1], HttpMethod.Put, "weight", $$"""{"weight": {{weights[1]}}}""", tag));
            var codes = answers.Select(a => a.StatusCode).OrderBy(c => c).ToList();
            Assert.True(codes.SequenceEqual([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed]),
                $"round {round} at {tag}: " + string.Join(" | ", await Task.WhenAll(answers.Select(async a => $"{(int)a.StatusCode} {await a.Content.ReadAsStringAsync()}"))));
            var winner = answers[0].StatusCode == HttpStatusCode.OK ? weights[0] : weights[1];
            await fleet.UntilAllAsync(r => (double)r["weight"]! == winner && ReplicaFleet.Revision(r) == revision + 1, $"served the winner's {winner}%");
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task Reload_SameEditOnEveryReplica_OneStateOneRevision()
    {
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject { ["Weight"] = 10 });
        var before = ReplicaFleet.Revision((await fleet.UntilAllAsync(r => true, "answered"))[0]);
        foreach (var router in fleet.Routers)
        {
            var path = Path.Combine(router.Folder, "router.json");
            await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("\"Weight\":10", "\"Weight\":35", StringComparison.Ordinal));
        }

        var states = await fleet.UntilAllAsync(r => (double)r["weight"]! == 35, "applied the edit of router.json");
        Assert.Single(states.Select(ReplicaFleet.Revision).Distinct());
        Assert.Equal(before + 1, ReplicaFleet.Revision(states[0]));
        Assert.Single(await ReplicaFleet.EventsAsync(fleet.Routers[0]), e => (string?)e!["action"] == "reload");
    }

    [Fact]
    public async Task FailingCanary_SplitAcrossReplicasEachBelowMinRequests_RolledBackOnAllOnce()
    {
        const int MinRequests = 30;
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject
        {
            ["Weight"] = 100,
            ["Guard"] = new JsonObject { ["WindowSeconds"] = 60, ["MinRequests"] = MinRequests, ["MaxErrorRate"] = 0.05, ["MaxP99Ms"] = 10_000 },
        });
        await samples.V2.SetFaultsAsync(errorRate: 1.0);

        // Each replica serves fewer canary requests than MinRequests; together they serve more.
        var perReplica = (MinRequests / 3) + 5;
        await Task.WhenAll(fleet.Routers.Select(async (router, i) =>
        {
            for (var n = 0; n < perReplica; n++)
            {
                await ReplicaFleet.AskAsync(Client, router, $"user-{i}-{n}");
            }
        }));
        await fleet.UntilAllAsync(r => (string?)r["phase"] == "RolledBack", "rolled the canary back");
        foreach (var router in fleet.Routers)
        {
            Assert.Equal("v1", (await ReplicaFleet.AskAsync(Client, router, "user-0-0")).Version);
        }

        // The event is logged just after the state is written: wait for it, then see that it is the only one.
        static int Rollbacks(JsonArray events) => events.Count(e => (string?)e!["actor"] == "guard" && (string?)e!["action"] == "rollback");
        var events = await Poll.UntilAsync(() => ReplicaFleet.EventsAsync(fleet.Routers[0]), e => Rollbacks(e) > 0, TimeSpan.FromSeconds(10), "the guard's rollback event", e => e.ToJsonString());
        Assert.Equal(1, Rollbacks(events));
    }

    [Fact]
    public async Task Steps_ThreeReplicas_EachStepAdvancedOnce()
    {
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject
        {
            ["Steps"] = new JsonArray(
                new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 1 },
                new JsonObject { ["Weight"] = 30, ["HoldSeconds"] = 1 },
                new JsonObject { ["Weight"] = 60, ["HoldSeconds"] = 1 }),
            ["OnInconclusive"] = "Advance",
        });
        await fleet.UntilAllAsync(r => (string?)r["phase"] == "Promoted", "promoted", seconds: 60);
        var events = await ReplicaFleet.EventsAsync(fleet.Routers[1]);
        var steps = events.Where(e => (string?)e!["actor"] == "steps").Select(e => $"{e!["action"]} {(string?)e!["after"]!["stable"]} {(double)e!["after"]!["weight"]!}").ToList();
        Assert.Equal(["step v1 30", "step v1 60", "promote v2 0"], steps);
    }

    [Fact]
    public async Task RedisKilled_ServesWritesRefusedGuardProtects_ThenRedisBackConverges()
    {
        await using var fleet = await ReplicaFleet.StartAsync(samples, 3, new JsonObject
        {
            ["Weight"] = 0,
            ["Guard"] = new JsonObject { ["WindowSeconds"] = 30, ["MinRequests"] = 10, ["MaxErrorRate"] = 0.05, ["MaxP99Ms"] = 10_000 },
        });
        using (var set = await ReplicaFleet.WriteAsync(fleet.Routers[0], HttpMethod.Put, "weight", """{"weight": 100}"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        await fleet.UntilAllAsync(r => (double)r["weight"]! == 100, "took 100%");

        // Users keep coming to every running replica while Redis dies and a replica restarts.
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var served = 0L;
        var load = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                foreach (var router in fleet.Routers.Where(r => r.IsRunning))
                {
                    try
                    {
                        var (status, version) = await ReplicaFleet.AskAsync(Client, router, $"user-{n % 50}");
                        if (status != HttpStatusCode.OK && router.IsRunning)
                        {
                            failures.Enqueue($"{(int)status} from {version}");
                        }
                    }
                    catch (HttpRequestException e) when (router.IsRunning)
                    {
                        failures.Enqueue(e.Message);
                    }
                    catch (HttpRequestException)
                    {
                        // Cut by the replica's own restart.
                    }

                    Interlocked.Increment(ref served);
                }
            }
        });
        fleet.Redis.Kill();

        // Requests are still served, by the last state every replica had.
        foreach (var router in fleet.Routers)
        {
            for (var n = 0; n < 10; n++)
            {
                Assert.Equal((HttpStatusCode.OK, "v2"), await ReplicaFleet.AskAsync(Client, router, $"user-{n}"));
            }
        }

        // Writes are refused whole, saying why; health stays up; the store says it is down.
        using (var refused = await ReplicaFleet.WriteAsync(fleet.Routers[1], HttpMethod.Put, "weight", """{"weight": 50}"""))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("Redis is unreachable", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var store = await fleet.Routers[1].AdminJsonAsync("/admin/store");
        Assert.False((bool)store["up"]!);
        Assert.Equal(100, (double)(await ReplicaFleet.ReleaseAsync(fleet.Routers[1]))["weight"]!);

        // A replica restarted meanwhile starts from its last local state.
        fleet.Routers[2].Kill();
        await fleet.Routers[2].StartAsync("/api/version");
        Assert.Equal((HttpStatusCode.OK, "v2"), await ReplicaFleet.AskAsync(Client, fleet.Routers[2], "user-1"));
        await stop.CancelAsync();
        await load;
        Assert.True(failures.IsEmpty, $"{failures.Count} of {served} user requests failed while Redis was down: {string.Join("; ", failures.Take(5))}");

        // The guard still protects: replica 0 alone sees the canary fail and rolls it back locally.
        await samples.V2.SetFaultsAsync(errorRate: 1.0);
        for (var n = 0; n < 40; n++)
        {
            await ReplicaFleet.AskAsync(Client, fleet.Routers[0], $"user-{n}");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((string?)(await ReplicaFleet.ReleaseAsync(fleet.Routers[0]))["phase"] != "RolledBack")
        {
            Assert.True(DateTime.UtcNow < deadline, "replica 0 did not roll back while Redis was down");
            await Task.Delay(25);
        }

        // Redis back: the rollback written made at the outage reaches every replica, and writes work again.
        await samples.V2.SetFaultsAsync(errorRate: 0);
        await fleet.Redis.StartAgainAsync();
        await fleet.UntilAllAsync(r => (string?)r["phase"] == "RolledBack", "took the rollback made while Redis was down");
        using (var set = await ReplicaFleet.WriteAsync(fleet.Routers[2], HttpMethod.Put, "weight", """{"weight": 25}"""))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        var converged = await fleet.UntilAllAsync(r => (double)r["weight"]! == 25, "converged on the write after Redis came back");
        Assert.Single(converged.Select(ReplicaFleet.Revision).Distinct());
        Assert.True((bool)(await fleet.Routers[1].AdminJsonAsync("/admin/store"))["up"]!);
    }

    private static async Task EveryUserOnOneVersionAsync(ReplicaFleet fleet, List<string> users)
    {
        foreach (var user in users)
        {
            List<string?> versions = [];
            foreach (var router in fleet.Routers)
            {
                var (status, version) = await ReplicaFleet.AskAsync(Client, router, user);
                Assert.Equal(HttpStatusCode.OK, status);
                versions.Add(version);
            }

            var states = await Task.WhenAll(fleet.Routers.Select(ReplicaFleet.ReleaseAsync));
            Assert.True(versions.Distinct().Count() == 1,
                $"{user} got {string.Join(", ", versions)} from the replicas, whose states are {string.Join(" | ", states.Select(s => $"{s["stable"]}/{s["canary"]} {s["weight"]}% {s["phase"]} r{s["revision"]}"))}");
        }
    }
}

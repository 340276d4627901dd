using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>Canary steps driven by the guard, against real SampleApi processes under a steady load, with short holds.</summary>
[Collection(RealProcesses.Name)]
public sealed class CanaryStepsTests
{
    [Fact]
    public async Task Steps_HealthyUnderLoad_PauseHoldsResumeAdvancesToPromotion()
    {
        var samples = await SampleProcess.StartApisAsync(("v1", null), ("v2", null));
        await using var v1 = samples[0];
        await using var v2 = samples[1];
        await using var router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["UserKey"] = new JsonArray("header:X-User-Id"),
            ["Steps"] = new JsonArray(
                new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 1 },
                new JsonObject { ["Weight"] = 50, ["HoldSeconds"] = 1 }),
            // MaxP99Ms far off: this test is about steps, and a busy machine can stall a request for a second.
            ["Guard"] = new JsonObject { ["WindowSeconds"] = 5, ["MinRequests"] = 10, ["MaxErrorRate"] = 0.05, ["MaxP99Ms"] = 10_000 },
            ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [v1.Destination]), ("v2", [v2.Destination])) },
        });

        // No traffic yet: the verdict is inconclusive and the first step holds, so the pause lands on it.
        var paused = await router.PostAdminAsync("pause");
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var state = await router.StateAsync();
        Assert.Equal("Paused", state.Phase());
        Assert.Equal(10, state.Weight());

        // Under load the guard finds the canary healthy, yet the paused release stays where it is, well past its hold.
        await using var load = LoadDriver.RandomUsers(router);
        await Poll.UntilAsync(router.StateAsync, s => s["guard"].Text("verdict") == "Healthy", TimeSpan.FromSeconds(10), "judged healthy", s => s.Show());
        var holdUntil = DateTime.UtcNow + TimeSpan.FromSeconds(2.5);
        while (DateTime.UtcNow < holdUntil)
        {
            state = await router.StateAsync();
            Assert.Equal("Paused", state.Phase());
            Assert.Equal(10, state.Weight());
            Assert.Equal(0, state["steps"]!["current"]!.GetValue<int>());
            await Task.Delay(100);
        }

        // Resumed: 10% → 50% → promoted, a hold apart.
        var resumed = await router.PostAdminAsync("resume");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var weightsSeen = new List<double>();
        state = await Poll.UntilAsync(async () =>
        {
            var s = await router.StateAsync();
            if (weightsSeen.Count == 0 || weightsSeen[^1] != s.Weight())
            {
                weightsSeen.Add(s.Weight());
            }

            return s;
        }, s => s.Phase() == "Promoted", TimeSpan.FromSeconds(20), "promoted", s => s.Show());

        Assert.Equal("v2", state["stable"]!.GetValue<string>());
        Assert.Null(state["canary"]);
        Assert.Contains(50, weightsSeen);

        var promotedReplies = new List<Reply>();
        for (var i = 0; i < 20; i++)
        {
            promotedReplies.Add(await router.GetAsync("/api/version", $"after-{i}"));
        }

        await load.StopAsync();
        Assert.All(promotedReplies, r => Assert.Equal("v2", r.Backend));
        Assert.Equal(0, load.Count(o => o.Failed));

        // Each transition is an event: the operator's pause and resume, the steps' advance and promotion.
        var events = (await router.EventsAsync()).Objects().ToList();
        Assert.Equal(["pause", "resume"], events.Where(e => e.Text("actor") == "operator").Select(e => e.Text("action")));
        var steps = events.Where(e => e.Text("actor") == "steps").ToList();
        Assert.Equal(["step", "promote"], steps.Select(e => e.Text("action")));
        Assert.Equal(10, steps[0]["before"]!["weight"]!.GetValue<double>());
        Assert.Equal(50, steps[0]["after"]!["weight"]!.GetValue<double>());
        Assert.Equal("Progressing", steps[0]["after"].Text("phase"));
        Assert.Equal(50, steps[1]["before"]!["weight"]!.GetValue<double>());
        Assert.Equal("Promoted", steps[1]["after"].Text("phase"));
        Assert.Equal("v2", steps[1]["after"].Text("stable"));
        Assert.All(steps, e => Assert.Equal("healthy", e.Text("code")));
        Assert.All(steps, e => Assert.True(e.Figure("canaryRequests") >= 10, e.Show()));
        Assert.DoesNotContain(events, e => e.Text("actor") == "guard");
    }
}

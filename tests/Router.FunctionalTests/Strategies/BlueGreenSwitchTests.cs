using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Microsoft.AspNetCore.Http;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>Blue-green: POST .../switch moves every user to the other version at once, after checking its health.</summary>
[Collection(RealProcesses.Name)]
public sealed class BlueGreenSwitchTests
{
    private static readonly List<string> People = [.. Enumerable.Range(0, 40).Select(i => $"switch-{i}")];

    private static JsonObject Release(string v1, string v2) => new()
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = 20,
        ["UserKey"] = new JsonArray("header:X-User-Id"),
        ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [v1]), ("v2", [v2])) },
    };

    private static async Task<List<string?>> ServedBy(LiveRouter router)
    {
        var served = new List<string?>();
        foreach (var user in People)
        {
            var reply = await router.GetAsync("/api/version", user);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(reply.Backend, reply.CanaryVersion);
            served.Add(reply.Backend);
        }

        return served;
    }

    [Fact]
    public async Task Switch_Twice_EveryUserToV2ThenBackToV1_RefusedOnceV2Stops()
    {
        var samples = await SampleProcess.StartApisAsync(("v1", null), ("v2", null));
        await using var v1 = samples[0];
        await using var v2 = samples[1];
        await using var router = await LiveRouter.StartAsync(Release(v1.Destination, v2.Destination));
        var before = await ServedBy(router);
        Assert.Contains("v1", before);
        Assert.Contains("v2", before);

        using (var switched = await router.PostAdminAsync("switch"))
        {
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
            var view = (JsonObject)JsonNode.Parse(await switched.Content.ReadAsStringAsync())!;
            Assert.Equal("v2", view["stable"]!.GetValue<string>());
            Assert.Equal("v1", view["canary"]!.GetValue<string>());
            Assert.Equal(0, view.Weight());
            Assert.Equal("Switched", view.Phase());
        }

        Assert.All(await ServedBy(router), v => Assert.Equal("v2", v));

        using (var back = await router.PostAdminAsync("switch"))
        {
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        }

        var state = await router.StateAsync();
        Assert.Equal("v1", state["stable"]!.GetValue<string>());
        Assert.Equal("v2", state["canary"]!.GetValue<string>());
        Assert.All(await ServedBy(router), v => Assert.Equal("v1", v));

        // v2 goes away: switching to it is refused, with the reason, and nothing moves.
        await v2.StopAsync();
        var revision = (await router.StateAsync()).Revision();
        using (var refused = await router.PostAdminAsync("switch"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Equal(409, problem["status"]!.GetValue<int>());
            var detail = problem.Text("detail");
            Assert.Contains("v2", detail, StringComparison.Ordinal);
            Assert.Contains(v2.Destination, detail, StringComparison.Ordinal);
            Assert.Contains("/healthz", detail, StringComparison.Ordinal);
        }

        state = await router.StateAsync();
        Assert.Equal(revision, state.Revision());
        Assert.Equal("v1", state["stable"]!.GetValue<string>());
        Assert.All(await ServedBy(router), v => Assert.Equal("v1", v));

        var switches = (await router.EventsAsync()).Objects().Where(e => e.Text("action") == "switch").ToList();
        Assert.Equal(2, switches.Count);
        Assert.All(switches, e => Assert.Equal("operator", e.Text("actor")));
    }

    [Fact]
    public async Task Switch_TargetHealthzFailing_409WithReasonThenSwitchesOnceHealthy()
    {
        await using var v1 = await HealthStub.StartAsync("v1");
        await using var v2 = await HealthStub.StartAsync("v2");
        v2.HealthStatus = StatusCodes.Status503ServiceUnavailable;
        await using var router = await LiveRouter.StartAsync(Release(v1.Destination, v2.Destination));
        var revision = (await router.StateAsync()).Revision();

        using (var refused = await router.PostAdminAsync("switch"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Contains("unhealthy", problem.Text("title"), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("GET /healthz answered 503", problem.Text("detail"), StringComparison.Ordinal);
            Assert.Contains(v2.Destination, problem.Text("detail"), StringComparison.Ordinal);
        }

        Assert.Equal(revision, (await router.StateAsync()).Revision());
        Assert.Contains("v1", await ServedBy(router));

        v2.HealthStatus = StatusCodes.Status200OK;
        using (var switched = await router.PostAdminAsync("switch"))
        {
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        }

        Assert.All(await ServedBy(router), v => Assert.Equal("v2", v));
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Xunit.Abstractions;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>
/// Rolling update, the executable example of the operator's flow (see README.md beside this file): one version with
/// three instances behind one route, updated one at a time under a steady load, with no failed request. For each instance:
/// <list type="number">
/// <item><c>POST /admin/releases/shop/drain {"route": "api", "destination": "http://..."}</c>: no new requests go to it.</item>
/// <item><c>GET /admin/releases/shop</c> until that destination shows <c>"draining": true, "inFlight": 0</c>.</item>
/// <item>Stop the process (SIGTERM), start the new one on the same address, wait until its <c>/healthz</c> answers.</item>
/// <item><c>POST /admin/releases/shop/undrain</c> with the same body: it takes requests again.</item>
/// </list>
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class RollingUpdateTests(ITestOutputHelper output)
{
    private static JsonObject? Destination(JsonObject state, string address) =>
        state["routes"]!.AsArray().Single(r => r.Text("name") == "api")!["versions"]!["v1"]!.AsArray()
            .OfType<JsonObject>().SingleOrDefault(d => d.Text("address").TrimEnd('/') == address);

    [Fact]
    public async Task Rolling_ThreeInstancesDrainedRestartedUndrainedInTurn_NoFailedRequest()
    {
        var instances = await SampleProcess.StartApisAsync(("v1", "rolling-1-old"), ("v1", "rolling-2-old"), ("v1", "rolling-3-old"));
        await using var first = instances[0];
        await using var second = instances[1];
        await using var third = instances[2];
        await using var router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [.. instances.Select(i => i.Destination)])) },
        });

        await using var load = LoadDriver.Anonymous(router, concurrency: 3);
        await load.WaitForAsync(o => o.Status == HttpStatusCode.OK, 100, TimeSpan.FromSeconds(15), "responses before the update");
        Assert.All(instances, i => Assert.True(load.Count(o => o.Instance == i.Instance) > 0, $"{i.Instance} served nothing before the update"));

        var drainedAt = new Dictionary<string, DateTimeOffset>();
        foreach (var (instance, n) in instances.Select((instance, i) => (instance, i + 1)))
        {
            var old = instance.Instance;
            var body = new { route = "api", destination = instance.Destination };

            // 1. Drain: effective for the next request once the call returns.
            using (var drain = await router.PostAdminAsync("drain", body))
            {
                Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
                var view = (JsonObject)JsonNode.Parse(await drain.Content.ReadAsStringAsync())!;
                Assert.True(Destination(view, instance.Destination)!["draining"]!.GetValue<bool>());
            }

            drainedAt[old] = DateTimeOffset.UtcNow;

            // 2. Wait for its requests in flight to complete.
            await Poll.UntilAsync(router.StateAsync, s => Destination(s, instance.Destination) is { } d && d["draining"]!.GetValue<bool>() && d["inFlight"]!.GetValue<int>() == 0,
                TimeSpan.FromSeconds(10), $"{old} drained", s => s.Show());

            // 3. Replace the process on the same address.
            await instance.StopAsync();
            await instance.StartAgainAsync($"rolling-{n}-new");

            // 4. Undrain, and see the new instance serve.
            using (var undrain = await router.PostAdminAsync("undrain", body))
            {
                Assert.Equal(HttpStatusCode.OK, undrain.StatusCode);
                var view = (JsonObject)JsonNode.Parse(await undrain.Content.ReadAsStringAsync())!;
                Assert.False(Destination(view, instance.Destination)!["draining"]!.GetValue<bool>());
            }

            await load.WaitForAsync(o => o.Instance == instance.Instance, 20, TimeSpan.FromSeconds(10), $"responses from {instance.Instance}");
        }

        await load.StopAsync();
        var outcomes = load.Outcomes;
        output.WriteLine($"{outcomes.Count} requests during the rolling update; by instance: " +
            string.Join(", ", outcomes.GroupBy(o => o.Instance ?? "(none)").OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));

        Assert.True(outcomes.All(o => !o.Failed), "failed requests:" + Environment.NewLine + string.Join(Environment.NewLine, outcomes.Where(o => o.Failed).Take(20)));
        foreach (var (old, at) in drainedAt)
        {
            Assert.DoesNotContain(outcomes, o => o.Instance == old && o.SentAt > at);
        }

        Assert.All(instances, i => Assert.EndsWith("-new", i.Instance, StringComparison.Ordinal));
        var state = await router.StateAsync();
        Assert.All(instances, i => Assert.False(Destination(state, i.Destination)!["draining"]!.GetValue<bool>()));

        var events = (await router.EventsAsync()).Objects().ToList();
        Assert.Equal(3, events.Count(e => e.Text("action") == "drain"));
        Assert.Equal(3, events.Count(e => e.Text("action") == "undrain"));
    }
}

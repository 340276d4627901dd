using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Xunit.Abstractions;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>
/// In-place deployment: the only backend of a version restarts on the same address. With <c>"Outage": {"HoldSeconds": 10}</c>
/// idempotent requests wait for it to come back; other requests fail at once with 503 and Retry-After.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class InPlaceRestartTests(ITestOutputHelper output)
{
    private const int HoldSeconds = 10;

    [Fact]
    public async Task Outage_SingleBackendRestarted_NoFailedGetAndPostFailsFastWith503()
    {
        await using var sample = await SampleProcess.StartApiAsync("v1", "in-place-old");
        await using var router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Outage"] = new JsonObject { ["HoldSeconds"] = HoldSeconds },
            ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [sample.Destination])) },
        });
        await using var load = LoadDriver.Anonymous(router, concurrency: 3);
        await load.WaitForAsync(o => o.Status == HttpStatusCode.OK, 50, TimeSpan.FromSeconds(15), "responses before the restart");

        await sample.StopAsync();

        // While the backend is down: a GET waits for it ...
        var waitingGet = router.GetAsync("/api/version");

        // ... a POST does not wait: it fails at once, telling the client when to come back.
        var clock = Stopwatch.StartNew();
        var post = await router.SendAsync(HttpMethod.Post, "/api/version", content: new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        var postTook = clock.Elapsed;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, post.Status);
        Assert.Equal(TimeSpan.FromSeconds(HoldSeconds), post.RetryAfter);
        Assert.False(waitingGet.IsCompleted, "the GET should still be waiting for the backend, which has not been started again");

        await sample.StartAgainAsync("in-place-new");
        var got = await waitingGet;
        Assert.Equal(HttpStatusCode.OK, got.Status);
        Assert.Equal("in-place-new", got.Instance);

        await load.WaitForAsync(o => o.Instance == "in-place-new", 50, TimeSpan.FromSeconds(10), "responses from the new process");
        await load.StopAsync();
        var outcomes = load.Outcomes;
        output.WriteLine($"POST during the outage answered 503 in {postTook.TotalMilliseconds:0} ms; {outcomes.Count} GETs during the restart, " +
            $"the longest took {outcomes.Max(o => (o.ReceivedAt - o.SentAt).TotalMilliseconds):0} ms");
        Assert.True(outcomes.All(o => !o.Failed), "failed GETs:" + Environment.NewLine + string.Join(Environment.NewLine, outcomes.Where(o => o.Failed).Take(20)));
        Assert.Contains(outcomes, o => o.Instance == "in-place-old");
    }
}

using System.Text.Json.Nodes;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary>The guard's figures and the rollback counter as Prometheus sees them.</summary>
public sealed class GuardMetricsTests
{
    [Fact]
    public async Task RollbacksTotal_RouterJustStarted_ExistsAtZeroForEveryReason()
    {
        // increase() and rate() need a series' earlier sample: a rollback counter that first appears at 1 shows no
        // increase, so the very first rollback after a start would be invisible to alerts and dashboards.
        await using var backends = await Backends.StartAsync();
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes() });
        using var client = new RouterClient(router);

        var scrape = await client.ScrapeAsync();

        foreach (var reason in new[] { "guard_error_rate", "guard_latency", "operator" })
        {
            Assert.Equal(0, scrape.Value("canary_rollbacks_total", ("release", "shop"), ("reason", reason)));
        }
    }

    [Fact]
    public async Task GuardErrorRate_CanaryAnswersHalf5xx_GaugeShowsHalfForCanaryAndZeroForStable()
    {
        await using var backends = await Backends.StartAsync();
        backends["api", "v2"].FailFraction = 0.5;
        var guard = new JsonObject { ["Enabled"] = false, ["WindowSeconds"] = 600 };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(), Guard = guard });
        using var client = new RouterClient(router);
        foreach (var user in UserKeys.On("v2", 50, 10, "guard-canary-"))
        {
            await client.GetAsync("/api/items/1", user);
        }

        foreach (var user in UserKeys.On("v1", 50, 10, "guard-stable-"))
        {
            await client.GetAsync("/api/items/1", user);
        }

        // The guard refreshes its figures every 100 ms: wait (bounded) for the refresh that follows the traffic.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        PrometheusText scrape;
        do
        {
            await Task.Delay(50);
            scrape = await client.ScrapeAsync();
        }
        while (scrape.Value("canary_guard_error_rate", ("release", "shop"), ("version", "v2")) != 0.5 && DateTime.UtcNow < deadline);

        Assert.Equal(0.5, scrape.Value("canary_guard_error_rate", ("release", "shop"), ("version", "v2")));
        Assert.Equal(0, scrape.Value("canary_guard_error_rate", ("release", "shop"), ("version", "v1")));
        Assert.Equal(50, scrape.Value("canary_weight_percent", ("release", "shop")));
    }

    [Fact]
    public async Task RollbacksTotal_GuardRollsBackFailingCanary_CountsOneGuardErrorRateRollbackAndWeightZero()
    {
        await using var backends = await Backends.StartAsync();
        backends["api", "v2"].FailFraction = 1;
        var guard = new JsonObject { ["WindowSeconds"] = 600, ["MinRequests"] = 5, ["MaxErrorRate"] = 0.05 };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(), Guard = guard });
        using var client = new RouterClient(router);

        // Each canary failure wakes the guard loop: a dead canary (judged against MaxErrorRate alone, stable has no
        // traffic) is judged after a handful of failures. The requests routed before the rollback is published still
        // fail: the store persists it first, which on a loaded machine can take longer than these 40 requests.
        var versions = new List<string?>();
        foreach (var user in UserKeys.On("v2", 50, 40, "guard-trip-"))
        {
            versions.Add((await client.GetAsync("/api/items/1", user)).Version);
        }

        using var admin = new HttpClient { BaseAddress = router.AdminAddress };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(await admin.GetStringAsync(new Uri("/admin/releases/shop", UriKind.Relative))).Contains("\"RolledBack\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var events = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync(new Uri("/admin/releases/shop/events", UriKind.Relative)))!.AsArray();
        var rollback = Assert.Single(events, e => e!["actor"]!.GetValue<string>() == "guard")!;
        Assert.InRange(rollback["figures"]!["canaryRequests"]!.GetValue<double>(), 3, 5);

        // Once published, everyone is on stable.
        var failed = versions.TakeWhile(v => v == "v2").Count();
        Assert.All(versions.Skip(failed), v => Assert.Equal("v1", v));
        foreach (var user in UserKeys.On("v2", 50, 5, "guard-after-"))
        {
            Assert.Equal("v1", (await client.GetAsync("/api/items/1", user)).Version);
        }

        var scrape = await client.ScrapeWhenCountedAsync(45);
        Assert.Equal(1, scrape.Value("canary_rollbacks_total", ("release", "shop"), ("reason", "guard_error_rate")));
        Assert.Equal(0, scrape.Value("canary_weight_percent", ("release", "shop")));
        Assert.Equal(failed, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", "v2"), ("code", "5xx")));
        Assert.Equal(45 - failed, scrape.Value("canary_requests_total", ("release", "shop"), ("route", "api"), ("version", "v1"), ("code", "2xx")));
    }
}

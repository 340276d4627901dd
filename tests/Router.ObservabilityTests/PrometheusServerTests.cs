using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary>
/// A real Prometheus server scraping the real router every second, with deploy/prometheus/alerts.yml loaded:
/// what an operator's Prometheus would compute from the router's figures.
/// </summary>
public sealed class PrometheusServerTests
{
    private const string Release = "{release=\"shop\"}";

    [Fact]
    public async Task IncreaseByVersion_ThirtyPercentOfTrafficOnCanary_RatioMatchesTrafficSent()
    {
        await using var backends = await Backends.StartAsync();
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(), Weight = 50 });
        using var client = new RouterClient(router);
        await using var prometheus = await PrometheusServer.StartAsync(router.AdminAddress, RepoPaths.File("deploy", "prometheus", "alerts.yml"));
        await WaitForFirstScrapeAsync(prometheus);

        // 3 users of 10 on the canary, asked in turn: exactly 30% of the requests go to v2, evenly over time.
        var users = UserKeys.On("v2", 50, 3, "prom-canary-").Concat(UserKeys.On("v1", 50, 7, "prom-stable-")).ToList();
        var sent = new Dictionary<string, int>(StringComparer.Ordinal) { ["v1"] = 0, ["v2"] = 0 };
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < 2_000 && clock.Elapsed < TimeSpan.FromSeconds(4); round++)
        {
            foreach (var user in users)
            {
                var answer = await client.GetAsync(round % 2 == 0 ? "/api/items/1" : "/page", user);
                Assert.Equal(HttpStatusCode.OK, answer.Status);
                sent[answer.Version!]++;
            }
        }

        var total = sent.Values.Sum();
        Assert.Equal(0.3, (double)sent["v2"] / total, 3);

        // Prometheus has the whole run once a scrape after the last request shows every request.
        var totals = await prometheus.QueryUntilAsync($"sum by (version) (canary_requests_total{Release})",
            r => r.Sum(s => s.Value) >= total);
        Assert.Equal(sent["v1"], ValueFor(totals, "v1"));
        Assert.Equal(sent["v2"], ValueFor(totals, "v2"));
        var scrapes = await prometheus.QueryAsync($"count_over_time(up{{job=\"{PrometheusServer.Job}\"}}[1m])");
        Assert.True(Assert.Single(scrapes).Value >= 2, $"Prometheus scraped {scrapes[0].Value} times");

        var increase = await prometheus.QueryAsync($"sum by (version) (increase(canary_requests_total{Release}[1m]))");
        var v1 = ValueFor(increase, "v1");
        var v2 = ValueFor(increase, "v2");
        Assert.True(v1 > 0 && v2 > 0, $"increase v1 {v1}, v2 {v2}");
        Assert.InRange(v2 / (v1 + v2), 0.25, 0.35);

        var rate = await prometheus.QueryAsync($"sum by (version) (rate(canary_requests_total{Release}[1m]))");
        Assert.InRange(ValueFor(rate, "v2") / (ValueFor(rate, "v1") + ValueFor(rate, "v2")), 0.25, 0.35);

        // The recording rules of alerts.yml run on this data: no version fails, so no ratio is above zero.
        var ratios = await prometheus.QueryUntilAsync($"canary:version_error_ratio:rate1m{Release}", r => r.Count == 2);
        Assert.Equal(["v1", "v2"], ratios.Select(r => r.Label("version")).Order(StringComparer.Ordinal));
        Assert.All(ratios, r => Assert.Equal(0, r.Value));
    }

    [Fact]
    public async Task DashboardQueries_AfterTrafficOnBothVersions_AllRunAndShowBothVersions()
    {
        await using var backends = await Backends.StartAsync();
        backends["api", "v2"].FailFraction = 0.25;
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(), Weight = 50 });
        using var client = new RouterClient(router);
        await using var prometheus = await PrometheusServer.StartAsync(router.AdminAddress);
        await WaitForFirstScrapeAsync(prometheus);

        var users = UserKeys.On("v2", 50, 5, "dash-canary-").Concat(UserKeys.On("v1", 50, 5, "dash-stable-")).ToList();
        for (var round = 0; round < 40; round++)
        {
            foreach (var user in users)
            {
                await client.GetAsync(round % 2 == 0 ? "/api/items/1" : "/page", user);
            }
        }

        await prometheus.QueryUntilAsync($"sum(canary_requests_total{Release})", r => r.Count == 1 && r[0].Value >= 400);
        await prometheus.QueryUntilAsync($"count_over_time(canary_weight_percent{Release}[1m])", r => r.Count == 1 && r[0].Value >= 3);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(DeployFilesTests.DashboardPath));
        var results = new Dictionary<string, IReadOnlyList<PromSeries>>(StringComparer.Ordinal);
        foreach (var expr in DeployFilesTests.DashboardExpressions(json.RootElement))
        {
            results[expr] = await prometheus.QueryAsync(expr.Replace("$release", "shop", StringComparison.Ordinal)
                .Replace("$__range", "1m", StringComparison.Ordinal));
        }

        foreach (var (expr, series) in results.Where(r => r.Key.Contains("sum by (version", StringComparison.Ordinal)
            || r.Key.Contains("canary_guard_error_rate", StringComparison.Ordinal)))
        {
            Assert.True(series.Select(s => s.Label("version")).Order(StringComparer.Ordinal).SequenceEqual(["v1", "v2"]),
                $"{expr}\nreturned {string.Join(", ", series.Select(s => s.Label("version")))}");
        }

        var errorRate = Assert.Single(results, r => r.Key.Contains("code=~", StringComparison.Ordinal)).Value;
        Assert.Equal(0, ValueFor(errorRate, "v1"));
        Assert.InRange(ValueFor(errorRate, "v2"), 0.05, 0.2); // a quarter of the canary's api half: 12.5%
        var weight = Assert.Single(results, r => r.Key.Contains("canary_weight_percent", StringComparison.Ordinal)).Value;
        Assert.Equal(50, Assert.Single(weight).Value);
        var rollbacks = Assert.Single(results, r => r.Key.StartsWith("sum by (reason)", StringComparison.Ordinal)).Value;
        Assert.All(rollbacks, r => Assert.Equal(0, r.Value));
        var annotation = Assert.Single(results, r => r.Key.Contains("unless", StringComparison.Ordinal)).Value;
        Assert.Empty(annotation);
    }

    [Fact]
    public async Task Alerts_GuardRollsBackFailingCanary_CanaryGuardTrippedFiresAndRollbackIsMarked()
    {
        await using var backends = await Backends.StartAsync();
        backends["api", "v2"].FailFraction = 1;
        var guard = new JsonObject { ["WindowSeconds"] = 600, ["MinRequests"] = 5, ["MaxErrorRate"] = 0.05 };
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes(), Guard = guard });
        using var client = new RouterClient(router);
        await using var prometheus = await PrometheusServer.StartAsync(router.AdminAddress, RepoPaths.File("deploy", "prometheus", "alerts.yml"));
        const string GuardRollbacks = "canary_rollbacks_total{release=\"shop\",reason=\"guard_error_rate\"}";
        var before = await prometheus.QueryUntilAsync(GuardRollbacks, r => r.Count == 1);
        Assert.Equal(0, Assert.Single(before).Value);

        foreach (var user in UserKeys.On("v2", 50, 8, "prom-trip-"))
        {
            await client.GetAsync("/api/items/1", user);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyList<IReadOnlyDictionary<string, string>> alerts;
        do
        {
            await Task.Delay(250);
            alerts = await prometheus.AlertsAsync();
        }
        while (!alerts.Any(IsGuardTripped) && DateTime.UtcNow < deadline);

        Assert.True(alerts.Any(IsGuardTripped),
            $"no firing CanaryGuardTripped; alerts: {string.Join("; ", alerts.Select(a => string.Join(",", a.Select(p => $"{p.Key}={p.Value}"))))}\n{prometheus.Log}");
        Assert.DoesNotContain(alerts, a => a["alertname"] == "CanaryRouterDown");

        var increase = await prometheus.QueryAsync($"increase({GuardRollbacks}[1m])");
        Assert.True(Assert.Single(increase).Value > 0, "increase() of the rollback counter saw no rollback");
        Assert.Equal(0, Assert.Single(await prometheus.QueryAsync($"canary_weight_percent{Release}")).Value);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(DeployFilesTests.DashboardPath));
        var annotation = Assert.Single(DeployFilesTests.DashboardExpressions(json.RootElement), e => e.Contains("unless", StringComparison.Ordinal));
        var marked = await prometheus.QueryAsync(annotation.Replace("$release", "shop", StringComparison.Ordinal));
        Assert.Equal("guard_error_rate", Assert.Single(marked).Label("reason"));
    }

    private static bool IsGuardTripped(IReadOnlyDictionary<string, string> alert) =>
        alert["alertname"] == "CanaryGuardTripped" && alert["state"] == "firing"
        && alert.GetValueOrDefault("release") == "shop" && alert.GetValueOrDefault("reason") == "guard_error_rate";

    private static async Task WaitForFirstScrapeAsync(PrometheusServer prometheus)
    {
        var up = await prometheus.QueryUntilAsync($"up{{job=\"{PrometheusServer.Job}\"}}", r => r.Count == 1 && r[0].Value == 1);
        Assert.True(up.Count == 1 && up[0].Value == 1, $"Prometheus did not scrape the router: {up.Count} series\n{prometheus.Log}");
    }

    private static double ValueFor(IReadOnlyList<PromSeries> series, string version)
    {
        var match = series.Where(s => s.Label("version") == version).ToList();
        Assert.True(match.Count == 1, $"expected one series for version {version}, got: "
            + string.Join("; ", series.Select(s => $"{string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}"))} {s.Value.ToString(CultureInfo.InvariantCulture)}")));
        return match[0].Value;
    }
}

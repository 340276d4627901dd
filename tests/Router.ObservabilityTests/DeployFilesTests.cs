using System.Text.Json;
using System.Text.RegularExpressions;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary>deploy/: the alert rules, their unit tests, the example scrape config and the Grafana dashboard.</summary>
public sealed partial class DeployFilesTests
{
    private static readonly string Alerts = RepoPaths.File("deploy", "prometheus", "alerts.yml");
    private static readonly string AlertTests = RepoPaths.File("deploy", "prometheus", "alerts.test.yml");
    private static readonly string ScrapeConfig = RepoPaths.File("deploy", "prometheus", "prometheus.yml");
    private static readonly string Dashboard = RepoPaths.File("deploy", "grafana", "canary-dashboard.json");

    [Fact]
    public async Task AlertRules_PromtoolCheckRules_Succeeds()
    {
        var run = await ExternalTool.RunAsync("promtool", ["check", "rules", Alerts]);

        Assert.True(run.ExitCode == 0, $"promtool check rules {Alerts}:\n{run}");
        Assert.Contains("SUCCESS", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRules_PromtoolTestRules_AllUnitTestsPass()
    {
        var run = await ExternalTool.RunAsync("promtool", ["test", "rules", AlertTests], workingDirectory: Path.GetDirectoryName(AlertTests));

        Assert.True(run.ExitCode == 0, $"promtool test rules {AlertTests}:\n{run}");
        Assert.Contains("SUCCESS", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRules_ContractAlerts_AllDefinedAndUnitTested()
    {
        var rules = await File.ReadAllTextAsync(Alerts);
        var tests = await File.ReadAllTextAsync(AlertTests);
        foreach (var alert in new[] { "CanaryErrorRateAboveStable", "CanaryGuardTripped", "CanaryRouterDown", "CanaryConfigReloadFailed" })
        {
            Assert.Contains($"- alert: {alert}", rules, StringComparison.Ordinal);
            Assert.Contains($"alertname: {alert}", tests, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ScrapeConfig_PromtoolCheckConfig_SucceedsWithTheRules()
    {
        var run = await ExternalTool.RunAsync("promtool", ["check", "config", ScrapeConfig], workingDirectory: Path.GetDirectoryName(ScrapeConfig));

        Assert.True(run.ExitCode == 0, $"promtool check config {ScrapeConfig}:\n{run}");
        var text = await File.ReadAllTextAsync(ScrapeConfig);
        Assert.Contains("job_name: canary-router", text, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:8081", text, StringComparison.Ordinal);
        Assert.Contains("metrics_path: /metrics", text, StringComparison.Ordinal);
        Assert.Contains("- alerts.yml", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_Json_HasDatasourceAndReleaseVariablesAndTheContractPanels()
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard));
        var root = json.RootElement;

        Assert.InRange(root.GetProperty("schemaVersion").GetInt32(), 36, 41);
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource"
            && v.GetProperty("query").GetString() == "prometheus");
        var release = Assert.Single(variables, v => v.GetProperty("name").GetString() == "release");
        Assert.Equal("label_values(canary_weight_percent, release)", release.GetProperty("definition").GetString());

        var exprs = DashboardExpressions(root);
        Assert.Contains("sum by (version) (rate(canary_requests_total{release=\"$release\"}[1m]))", exprs);
        Assert.Contains(exprs, e => e.Contains("code=~\"5xx|error\"", StringComparison.Ordinal));
        foreach (var quantile in new[] { "0.5", "0.95", "0.99" })
        {
            Assert.Contains(exprs, e => e.StartsWith($"histogram_quantile({quantile}, sum by (version, le) (rate(canary_request_duration_seconds_bucket", StringComparison.Ordinal));
        }

        Assert.Contains(exprs, e => e.Contains("canary_weight_percent", StringComparison.Ordinal));
        Assert.Contains(exprs, e => e.Contains("canary_guard_error_rate", StringComparison.Ordinal));
        var annotations = root.GetProperty("annotations").GetProperty("list").EnumerateArray();
        Assert.Contains(annotations, a => a.TryGetProperty("expr", out var e) && e.GetString()!.Contains("canary_rollbacks_total", StringComparison.Ordinal));

        // Every panel and query reads from the chosen data source, none from a data source of the author's Grafana.
        var sources = Descendants(root)
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("datasource", out _))
            .Select(e => e.GetProperty("datasource"))
            .Where(d => d.ValueKind == JsonValueKind.Object && d.GetProperty("type").GetString() == "prometheus")
            .Select(d => d.GetProperty("uid").GetString())
            .ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, uid => Assert.Equal("${datasource}", uid));
    }

    [Fact]
    public async Task DashboardAndAlerts_MetricNames_AllExposedByTheRouter()
    {
        await using var backends = await Backends.StartAsync();
        await using var router = await RouterLauncher.StartAsync(new RouterSetup { Routes = backends.Routes() });
        using var client = new RouterClient(router);
        var families = (await client.ScrapeAsync()).Types.Keys.ToHashSet(StringComparer.Ordinal);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Dashboard));
        var used = DashboardExpressions(json.RootElement).Append(await File.ReadAllTextAsync(Alerts))
            .SelectMany(text => MetricName().Matches(text).Select(m => m.Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("canary_requests_total", used);
        var unknown = used.Where(name => !families.Contains(name) && !families.Contains(FamilyOf(name))).ToList();
        Assert.True(unknown.Count == 0, $"not exposed by the router: {string.Join(", ", unknown)}");
    }

    /// <summary>Every PromQL expression of the dashboard: panel targets and annotations.</summary>
    internal static List<string> DashboardExpressions(JsonElement root) => Descendants(root)
        .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("expr", out var expr) && expr.ValueKind == JsonValueKind.String)
        .Select(e => e.GetProperty("expr").GetString()!)
        .ToList();

    internal static string DashboardPath => Dashboard;

    private static string FamilyOf(string sample) =>
        Regex.Replace(sample, "_(bucket|count|sum)$", "", RegexOptions.None, TimeSpan.FromSeconds(1));

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    [GeneratedRegex(@"\bcanary_[a-z_]+[a-z]\b")]
    private static partial Regex MetricName();
}

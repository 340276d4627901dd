using System.Globalization;
using System.Net;
using Canary.Router.ObservabilityTests.Support;

namespace Canary.Router.ObservabilityTests;

/// <summary><c>canary_requests_total</c> and the duration histogram against what really happened, request by request.</summary>
public sealed class RequestCounterTests(MixedTraffic traffic) : IClassFixture<MixedTraffic>
{
    private static readonly string[] Codes = ["2xx", "3xx", "4xx", "5xx", "error"];

    [Fact]
    public void MixedTraffic_Routing_EveryUserGotTheVersionOfItsBucketFromThatVersionsBackend()
    {
        var wrong = traffic.Requests
            .Where(r => r.Answer.Version != UserKeys.VersionOf(r.User, MixedTraffic.Weight) || r.Answer.Body != $"{r.Route}-{r.Answer.Version}")
            .Select(r => $"{r.Method} {r.Path} user {r.User}: X-Canary-Version {r.Answer.Version}, body {r.Answer.Body}")
            .ToList();

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void MixedTraffic_Precondition_EveryBackendAnsweredAndEveryStatusClassOccurred()
    {
        // The exact-count tests below mean something only if the mix reached every series it should.
        foreach (var (key, backend) in traffic.Backends.All)
        {
            Assert.True(backend.AnsweredWith("2xx") > 10, $"{key} answered {backend.AnsweredWith("2xx")} 2xx");
        }

        foreach (var code in new[] { "3xx", "4xx", "5xx" })
        {
            Assert.Contains(traffic.Backends.All, b => b.Backend.AnsweredWith(code) > 0);
        }

        Assert.True(traffic.Backends["api", "v2"].AnsweredWith("5xx") > traffic.Backends["api", "v1"].AnsweredWith("5xx"),
            "the canary's share of 500s makes its 5xx count differ from stable's");
    }

    [Fact]
    public void RequestsTotal_MixedTraffic_EqualsWhatEachBackendAnsweredPerRouteVersionAndCode()
    {
        var mismatches = new List<string>();
        foreach (var (key, backend) in traffic.Backends.All)
        {
            foreach (var code in Codes)
            {
                var expected = backend.AnsweredWith(code);
                var actual = traffic.Scrape.Value("canary_requests_total",
                    ("release", "shop"), ("route", key.Route), ("version", key.Version), ("code", code));
                if (actual != expected)
                {
                    mismatches.Add($"route {key.Route} version {key.Version} code {code}: counter {actual}, backend answered {expected}");
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        Assert.Equal(traffic.Requests.Count, traffic.Backends.All.Sum(b => b.Backend.Total));
    }

    [Fact]
    public void RequestsTotal_MixedTraffic_EqualsWhatClientsSawPerRouteVersionAndCode()
    {
        var seen = traffic.Requests
            .GroupBy(r => (r.Route, Version: r.Answer.Version ?? "none", Code: $"{(int)r.Answer.Status / 100}xx"))
            .ToDictionary(g => g.Key, g => g.Count());
        var counted = traffic.Scrape.Named("canary_requests_total")
            .Where(s => s.Value > 0)
            .ToDictionary(s => (Route: s.Label("route"), Version: s.Label("version"), Code: s.Label("code")), s => (int)s.Value);

        Assert.Equal(seen.OrderBy(p => p.Key.ToString()), counted.OrderBy(p => p.Key.ToString()));
    }

    [Fact]
    public void DurationHistogram_MixedTraffic_CountsEveryRequestOncePerRouteAndVersion()
    {
        foreach (var (key, backend) in traffic.Backends.All)
        {
            var labels = new[] { ("release", "shop"), ("route", key.Route), ("version", key.Version) };
            Assert.Equal(backend.Total, traffic.Scrape.Value("canary_request_duration_seconds_count", labels));
            Assert.Equal(backend.Total, traffic.Scrape.Value("canary_request_duration_seconds_bucket", [.. labels, ("le", "+Inf")]));
            Assert.True(traffic.Scrape.Value("canary_request_duration_seconds_sum", labels) > 0);
        }
    }

    [Fact]
    public void Labels_MixedTraffic_HoldNoUserIdsOrRawPaths()
    {
        var allowed = new Dictionary<string, Func<string, bool>>(StringComparer.Ordinal)
        {
            ["release"] = v => v == "shop",
            ["route"] = v => v is "api" or "web",
            ["version"] = v => v is "v1" or "v2",
            ["code"] = v => Codes.Contains(v),
            ["reason"] = v => v is "guard_error_rate" or "guard_latency" or "operator",
            ["le"] = v => v == "+Inf" || double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        };
        var canary = traffic.Scrape.Samples.Where(s => s.Name.StartsWith("canary_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(canary);

        var bad = canary
            .SelectMany(s => s.Labels.Select(l => (Sample: s, Label: l.Key, Value: l.Value)))
            .Where(x => !allowed.TryGetValue(x.Label, out var ok) || !ok(x.Value))
            .Select(x => $"{x.Sample}: label {x.Label}=\"{x.Value}\"")
            .ToList();
        Assert.True(bad.Count == 0, string.Join('\n', bad));

        // Nothing anywhere in the scrape (any family, HELP text included) carries a user id or a requested path.
        Assert.DoesNotContain(MixedTraffic.UserPrefix, traffic.Scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(MixedTraffic.PathMarker, traffic.Scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/", traffic.Scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("/catalog", traffic.Scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void MixedTraffic_Answers_NoErrorsOrRetries()
    {
        Assert.All(traffic.Requests, r => Assert.NotEqual(HttpStatusCode.BadGateway, r.Answer.Status));
        Assert.Equal(0, traffic.Scrape.Named("canary_requests_total").Where(s => s.Label("code") == "error").Sum(s => s.Value));
    }

    [Fact]
    public async Task Scrape_AfterMixedTraffic_PassesPromtoolCheckMetrics()
    {
        var file = Path.Combine(Path.GetTempPath(), $"canary-metrics-{Guid.NewGuid():N}.prom");
        await File.WriteAllTextAsync(file, traffic.Scrape.Text);
        try
        {
            var run = await ExternalTool.RunAsync("promtool", ["check", "metrics"], stdinFile: file);
            Assert.True(run.ExitCode == 0, $"promtool check metrics failed on the router's /metrics:\n{run}\n--- scrape\n{traffic.Scrape.Text}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Scrape_ContractFamilies_AllPresentWithTheirTypes()
    {
        Assert.Equal("counter", traffic.Scrape.Types["canary_requests_total"]);
        Assert.Equal("histogram", traffic.Scrape.Types["canary_request_duration_seconds"]);
        Assert.Equal("gauge", traffic.Scrape.Types["canary_weight_percent"]);
        Assert.Equal("counter", traffic.Scrape.Types["canary_rollbacks_total"]);
        Assert.Equal("gauge", traffic.Scrape.Types["canary_guard_error_rate"]);
        Assert.Equal("counter", traffic.Scrape.Types["canary_config_reload_failures_total"]);
        Assert.Equal(MixedTraffic.Weight, traffic.Scrape.Value("canary_weight_percent", ("release", "shop")));
        Assert.Equal(0, traffic.Scrape.Value("canary_config_reload_failures_total"));
    }
}

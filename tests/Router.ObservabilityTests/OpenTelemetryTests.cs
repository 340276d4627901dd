using System.Diagnostics;
using Canary.Router.Hosting;
using Canary.Router.ObservabilityTests.Support;
using Canary.Router.Routing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Canary.Router.ObservabilityTests;

/// <summary>
/// OpenTelemetry listeners are process-wide (every router in the process feeds them), so these tests run alone:
/// no other test's router adds spans or measurements while they count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenTelemetryGroup
{
    public const string Name = "OpenTelemetry";
}

[Collection(OpenTelemetryGroup.Name)]
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task Tracing_SegmentAndWeightDecisions_ServerSpansCarryReleaseVersionAndReason()
    {
        var spans = new LockedCollection<Activity>();
        await using var backends = await Backends.StartAsync();
        await using var router = await RouterLauncher.StartAsync(
            new RouterSetup { Routes = backends.Routes(), Weight = 50, BetaSegment = true },
            new RouterHostOptions { Tracing = tracing => tracing.AddInMemoryExporter(spans) });
        using var client = new RouterClient(router);
        var marker = Guid.NewGuid().ToString("N");
        var stableUser = UserKeys.On("v1", 50, 1, "otel-stable-")[0];
        var canaryUser = UserKeys.On("v2", 50, 1, "otel-canary-")[0];

        Assert.Equal("v2", (await client.SendAsync(HttpMethod.Get, $"/api/segment-{marker}", stableUser, beta: true)).Version);
        Assert.Equal("v2", (await client.GetAsync($"/api/weight-canary-{marker}", canaryUser)).Version);
        Assert.Equal("v1", (await client.GetAsync($"/weight-stable-{marker}", stableUser)).Version);

        var segment = await RouterSpanAsync(spans, router.PublicAddress, $"/api/segment-{marker}");
        Assert.Equal("shop", segment.GetTagItem("canary.release"));
        Assert.Equal("api", segment.GetTagItem("canary.route"));
        Assert.Equal("v2", segment.GetTagItem("canary.version"));
        Assert.Equal("segment", segment.GetTagItem("canary.reason"));
        Assert.Equal("beta", segment.GetTagItem("canary.segment"));
        Assert.Null(segment.GetTagItem("canary.bucket"));

        var canary = await RouterSpanAsync(spans, router.PublicAddress, $"/api/weight-canary-{marker}");
        Assert.Equal("shop", canary.GetTagItem("canary.release"));
        Assert.Equal("v2", canary.GetTagItem("canary.version"));
        Assert.Equal("weight", canary.GetTagItem("canary.reason"));
        Assert.Equal(StableBucket.Of("shop", canaryUser), Convert.ToInt32(canary.GetTagItem("canary.bucket"), null));
        Assert.True(StableBucket.Of("shop", canaryUser) < 5000);
        Assert.Null(canary.GetTagItem("canary.segment"));

        var stable = await RouterSpanAsync(spans, router.PublicAddress, $"/weight-stable-{marker}");
        Assert.Equal("web", stable.GetTagItem("canary.route"));
        Assert.Equal("v1", stable.GetTagItem("canary.version"));
        Assert.Equal("weight", stable.GetTagItem("canary.reason"));
        Assert.Equal(StableBucket.Of("shop", stableUser), Convert.ToInt32(stable.GetTagItem("canary.bucket"), null));
        Assert.True(StableBucket.Of("shop", stableUser) >= 5000);

        // The backend's own server span is in the same trace: the router propagated the context.
        Activity? backendSpan = null;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); backendSpan is null && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            backendSpan = spans.Snapshot().SingleOrDefault(a => a.Source.Name == "Microsoft.AspNetCore"
                && Equals(a.GetTagItem("url.path"), $"/api/weight-canary-{marker}") && Equals(a.GetTagItem("server.port"), backends["api", "v2"].Address.Port));
        }

        Assert.NotNull(backendSpan);
        Assert.Equal(canary.TraceId, backendSpan.TraceId);
    }

    [Fact]
    public async Task Metering_RequestsToBothVersions_CanaryRequestsCounterHasVersionAndCodeTags()
    {
        var exported = new LockedCollection<MetricSnapshot>();
        await using var backends = await Backends.StartAsync();
        await using var router = await RouterLauncher.StartAsync(
            new RouterSetup { Routes = backends.Routes(), Weight = 50 },
            new RouterHostOptions
            {
                Metering = metrics => metrics.AddInMemoryExporter(exported, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 100),
            });
        using var client = new RouterClient(router);
        foreach (var user in UserKeys.On("v2", 50, 3, "otel-meter-canary-"))
        {
            await client.GetAsync("/api/items/1", user);
        }

        foreach (var user in UserKeys.On("v1", 50, 4, "otel-meter-stable-"))
        {
            await client.GetAsync("/page", user);
            await client.GetAsync("/api/fail", user);
        }

        var expected = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["shop api v2 2xx"] = 3,
            ["shop web v1 2xx"] = 4,
            ["shop api v1 5xx"] = 4,
        };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        Dictionary<string, long> counted;
        do
        {
            await Task.Delay(100);
            counted = LatestSums(exported, "canary.requests");
        }
        while (!counted.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(p => p.Key, StringComparer.Ordinal)) && DateTime.UtcNow < deadline);

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), counted.OrderBy(p => p.Key, StringComparer.Ordinal));
        var duration = exported.Snapshot().Last(m => m.Name == "canary.request.duration");
        Assert.Equal("s", duration.Unit);
        Assert.Equal(11, duration.MetricPoints.Sum(p => p.GetHistogramCount()));
    }

    /// <summary>
    /// The span the router tags with its decision for a request to <paramref name="path"/>: YARP's
    /// <c>proxy.forwarder</c> span, a child of the router's HTTP server span (the one on the public port).
    /// </summary>
    private static async Task<Activity> RouterSpanAsync(LockedCollection<Activity> spans, Uri publicAddress, string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var all = spans.Snapshot();
            var found = (
                from server in all
                where server.Source.Name == "Microsoft.AspNetCore" && Equals(server.GetTagItem("url.path"), path)
                    && Equals(server.GetTagItem("server.port"), publicAddress.Port)
                from tagged in all
                where tagged.ParentSpanId == server.SpanId && tagged.GetTagItem("canary.release") is not null
                select tagged).ToList();
            if (found.Count > 0 || DateTime.UtcNow > deadline)
            {
                Assert.True(found.Count == 1, $"{found.Count} router spans for {path}; spans:\n"
                    + string.Join("\n", all.Select(a => $"{a.Source.Name} {a.Kind} {a.DisplayName} " + string.Join(",", a.TagObjects.Select(t => $"{t.Key}={t.Value}")))));
                Assert.Equal("Yarp.ReverseProxy", found[0].Source.Name);
                return found[0];
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The latest exported cumulative sums of a counter, keyed "release route version code", zeros left out.</summary>
    private static Dictionary<string, long> LatestSums(LockedCollection<MetricSnapshot> exported, string name)
    {
        var latest = exported.Snapshot().LastOrDefault(m => m.Name == name);
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        if (latest is null)
        {
            return sums;
        }

        foreach (var point in latest.MetricPoints)
        {
            var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            Assert.Equal(["code", "release", "route", "version"], tags.Keys.Order(StringComparer.Ordinal));
            var sum = point.GetSumLong();
            if (sum != 0)
            {
                sums[$"{tags["release"]} {tags["route"]} {tags["version"]} {tags["code"]}"] = sum;
            }
        }

        return sums;
    }
}

using System.Diagnostics;
using Prometheus;

namespace Canary.Router.Metrics;

/// <summary>
/// Everything a request to one version of one route records into, resolved once when the route is bound:
/// labelled Prometheus children per status class, the duration child, the OTel tags and the guard's running totals.
/// Recording then costs a few interlocked adds and allocates nothing.
/// </summary>
internal sealed class VersionMeters
{
    private readonly Counter.Child[] _requests = new Counter.Child[StatusClasses.Count];
    private readonly Histogram.Child _duration;
    private readonly RouterMetrics _metrics;
    private readonly KeyValuePair<string, object?>[] _tags;

    public VersionMeters(RouterMetrics metrics, string release, string route, string version, VersionCounts counts)
    {
        _metrics = metrics;
        Counts = counts;
        for (var i = 0; i < _requests.Length; i++)
        {
            // Created up front so every series exists at zero: rate() and absent() work from the first scrape.
            _requests[i] = metrics.Requests.WithLabels(release, route, version, ((StatusClass)i).Label());
        }

        _duration = metrics.Duration.WithLabels(release, route, version);
        _tags = [new("release", release), new("route", route), new("version", version)];
    }

    /// <summary>The guard's totals for the release and version (shared by every route of the release).</summary>
    public VersionCounts Counts { get; }

    /// <param name="status">The status class (the <c>code</c> label, 5xx when <paramref name="grpcFailed"/>).</param>
    /// <param name="elapsed">The whole request, to the end of the body: the duration histogram.</param>
    /// <param name="grpcFailed">A gRPC server failure behind an HTTP 200: a failure for the guard, and 5xx in the metrics.</param>
    /// <param name="latency">The guard's latency sample: time to the response headers.</param>
    public void Record(StatusClass status, TimeSpan elapsed, bool grpcFailed, LatencySample latency)
    {
        // A gRPC server failure behind an HTTP 200 is labelled 5xx, the class gRPC's HTTP mapping gives its code, so
        // dashboards and alerts on code=~"5xx|error" see it; the guard's totals keep it apart (GrpcErrors).
        var code = grpcFailed ? StatusClass.ServerError5xx : status;
        _requests[(int)code].Inc();
        _duration.Observe(elapsed.TotalSeconds);
        Counts.Record(status, grpcFailed, latency);
        if (_metrics.OtelRequests.Enabled)
        {
            var tags = new TagList(_tags) { { "code", code.Label() } };
            _metrics.OtelRequests.Add(1, tags);
        }

        if (_metrics.OtelDuration.Enabled)
        {
            _metrics.OtelDuration.Record(elapsed.TotalSeconds, new TagList(_tags));
        }
    }

    /// <summary>Removes this version's series, when a config change drops the route or version.</summary>
    public void Unpublish()
    {
        foreach (var child in _requests)
        {
            child.Remove();
        }

        _duration.Remove();
    }
}

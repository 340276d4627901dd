using BenchmarkDotNet.Attributes;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Microsoft.AspNetCore.Http;

namespace Canary.Bench;

/// <summary>
/// Per-request recording: what <see cref="RequestRecorder"/> does after the response, on a 2xx. OpenTelemetry
/// instruments have no listener here (as in the router without an OTLP endpoint), so they cost an Enabled check.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes it in GlobalCleanup.")]
public class RecordingBenchmarks
{
    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(1.7);

    private RouterMetrics _metrics = null!;
    private VersionMeters _meters = null!;
    private RequestWindow _window = null!;
    private DefaultHttpContext _context = null!;
    private long _second;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RouterMetrics();
        _window = new RequestWindow();
        _meters = new VersionMeters(_metrics, "shop", "api", "v2", _window);
        _context = new DefaultHttpContext();
        _context.Response.StatusCode = StatusCodes.Status200OK;
        _second = TimeProvider.System.GetTimestamp() / TimeProvider.System.TimestampFrequency;
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    /// <summary>Counter, histogram, guard window (and the OTel Enabled checks).</summary>
    [Benchmark(Baseline = true)]
    public void VersionMeters_Record() => _meters.Record(StatusClass.Success2xx, Elapsed, _second);

    /// <summary>The guard window's share of the above.</summary>
    [Benchmark]
    public void RequestWindow_Record() => _window.Record(_second, StatusClass.Success2xx, Elapsed.TotalMilliseconds);

    /// <summary>The status classification that precedes recording (a feature lookup and a switch).</summary>
    [Benchmark]
    public int StatusClasses_Of() => (int)StatusClasses.Of(_context);
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Microsoft.AspNetCore.Http;

namespace Canary.Bench;

/// <summary>What is listening while a request is recorded.</summary>
public enum Listening
{
    /// <summary>The router's default: no OTel exporter, no tracing.</summary>
    Nothing,

    /// <summary>OTel metrics exported (OTEL_EXPORTER_OTLP_ENDPOINT set): the OTel counter and histogram take measurements too.</summary>
    OtelMeter,

    /// <summary>An Activity is current (tracing on, or ASP.NET Core's hosting log enabled).</summary>
    CurrentActivity,
}

/// <summary>
/// Per-request recording: what <see cref="RequestRecorder"/> does after the response, on a 2xx, with each kind of
/// listener the router can have.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes them in GlobalCleanup.")]
public class RecordingBenchmarks
{
    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(1.7);

    private RouterMetrics _metrics = null!;
    private VersionMeters _meters = null!;
    private VersionCounts _counts = null!;
    private DefaultHttpContext _context = null!;
    private MeterListener? _listener;
    private Activity? _activity;
    private long _measurements;

    [Params(Listening.Nothing, Listening.OtelMeter, Listening.CurrentActivity)]
    public Listening Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RouterMetrics();
        _counts = new VersionCounts();
        _meters = new VersionMeters(_metrics, "shop", "api", "v2", _counts);
        _context = new DefaultHttpContext();
        _context.Response.StatusCode = StatusCodes.Status200OK;
        if (Listening == Listening.OtelMeter)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == RouterMetrics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _listener.Start();
            _meters.Record(StatusClass.Success2xx, Elapsed, grpcFailed: false, LatencySample.Fast);
            if (Interlocked.Read(ref _measurements) != 2)
            {
                throw new InvalidOperationException("the listener does not see the router's instruments");
            }
        }

        // Started synchronously here, so it stays current on this thread for the benchmark's calls.
        _activity = Listening == Listening.CurrentActivity ? new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start() : null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _activity?.Stop();
        _listener?.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Counter, histogram, the guard's totals and the OTel instruments (an Enabled check when nothing listens).</summary>
    [Benchmark(Baseline = true)]
    public void VersionMeters_Record() => _meters.Record(StatusClass.Success2xx, Elapsed, grpcFailed: false, LatencySample.Fast);

    /// <summary>The guard's share of the above: its running totals.</summary>
    [Benchmark]
    public void VersionCounts_Record() => _counts.Record(StatusClass.Success2xx, grpcFailed: false, LatencySample.Fast);

    /// <summary>The status classification that precedes recording (a feature lookup and a switch).</summary>
    [Benchmark]
    public int StatusClasses_Of() => (int)StatusClasses.Of(_context).GetValueOrDefault();
}

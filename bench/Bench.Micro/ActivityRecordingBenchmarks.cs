using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Canary.Router.Guard;
using Canary.Router.Metrics;

namespace Canary.Bench;

/// <summary>
/// <see cref="VersionMeters.Record"/> as it runs in the router: with an <see cref="Activity"/> current. ASP.NET Core
/// starts one per request while its hosting log category is enabled (at any level), even when nothing traces, and
/// prometheus-net then records an exemplar (trace and span id) on every counter increment and histogram observation.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes them in GlobalCleanup.")]
public class ActivityRecordingBenchmarks
{
    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(1.7);

    private RouterMetrics _metrics = null!;
    private VersionMeters _meters = null!;
    private Activity _activity = null!;
    private long _second;
    private readonly string _operation = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RouterMetrics();
        _meters = new VersionMeters(_metrics, "shop", "api", "v2", new RequestWindow());
        _second = TimeProvider.System.GetTimestamp() / TimeProvider.System.TimestampFrequency;

        // What ASP.NET Core's hosting does without an ActivitySource listener: a plain Activity, started. Started
        // here, synchronously, so it stays current on this thread for the benchmark's calls.
        _activity = new Activity(_operation).Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _activity.Stop();
        _metrics.Dispose();
    }

    [Benchmark]
    public void VersionMeters_Record_ActivityCurrent()
    {
        if (Activity.Current is null)
        {
            throw new InvalidOperationException("no current activity: the benchmark would measure the wrong path");
        }

        _meters.Record(StatusClass.Success2xx, Elapsed, _second);
    }

    /// <summary>A new request's Activity (fresh trace and span ids), started and stopped: the baseline of the next.</summary>
    [Benchmark]
    public string? PerRequestActivity_Only()
    {
        using var activity = new Activity(_operation).Start();
        return activity.OperationName;
    }

    /// <summary>The same plus recording: the difference is what recording costs per request with fresh ids.</summary>
    [Benchmark]
    public string? PerRequestActivity_Record()
    {
        using var activity = new Activity(_operation).Start();
        _meters.Record(StatusClass.Success2xx, Elapsed, _second);
        return activity.OperationName;
    }
}

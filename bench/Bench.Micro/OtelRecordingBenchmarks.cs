using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Canary.Router.Guard;
using Canary.Router.Metrics;

namespace Canary.Bench;

/// <summary>
/// <see cref="VersionMeters.Record"/> with a listener on the Canary.Router meter, as when OTel metrics are exported
/// (OTEL_EXPORTER_OTLP_ENDPOINT set): the OTel counter and histogram then take measurements too.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes them in GlobalCleanup.")]
public class OtelRecordingBenchmarks
{
    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(1.7);

    private RouterMetrics _metrics = null!;
    private MeterListener _listener = null!;
    private VersionMeters _meters = null!;
    private long _second;
    private long _measurements;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new RouterMetrics();
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
        _meters = new VersionMeters(_metrics, "shop", "api", "v2", new RequestWindow());
        _second = TimeProvider.System.GetTimestamp() / TimeProvider.System.TimestampFrequency;
        _meters.Record(StatusClass.Success2xx, Elapsed, _second);
        if (Interlocked.Read(ref _measurements) != 2)
        {
            throw new InvalidOperationException("the listener does not see the router's instruments");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _metrics.Dispose();
    }

    [Benchmark]
    public void VersionMeters_Record_OtelListening() => _meters.Record(StatusClass.Success2xx, Elapsed, _second);
}

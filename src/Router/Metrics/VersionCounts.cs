using System.Collections.Concurrent;

namespace Canary.Router.Metrics;

/// <summary>
/// What one version of one release has served since the router started, as running totals: the guard reads two
/// snapshots and judges their difference. Recording is a few interlocked adds on one small object per version, with
/// no windows, slots or clock, so an idle release costs its few counters and nothing more.
/// </summary>
internal sealed class VersionCounts
{
    private long _requests;
    private long _serverErrors;
    private long _transportErrors;
    private long _grpcErrors;
    private long _samples;
    private long _slow;
    private PeerSteps? _peers;

    /// <summary>Replica mode: what the other replicas counted for this version, as last read from Redis (<see cref="State.PeerTotals"/>; never less than before).</summary>
    public CountSnapshot Peers => PeerSteps.Latest;

    /// <summary>The same over the last moments, for the guard to place the others' counts in time.</summary>
    public PeerSteps PeerSteps
    {
        get => Volatile.Read(ref _peers) ?? PeerSteps.None;
        set => Volatile.Write(ref _peers, value);
    }

    /// <param name="status">The response's status class.</param>
    /// <param name="grpcFailed">A gRPC call answered 200 whose grpc-status says the server failed.</param>
    /// <param name="latency">Whether the response is a latency sample (headers received, not an upgrade or a stream), and if so whether it was slow.</param>
    public void Record(StatusClass status, bool grpcFailed, LatencySample latency)
    {
        // Outcomes before the request itself, and the reader takes the request count last: a snapshot never holds
        // more failures than requests.
        if (status == StatusClass.ServerError5xx)
        {
            Interlocked.Increment(ref _serverErrors);
        }
        else if (status == StatusClass.Error)
        {
            Interlocked.Increment(ref _transportErrors);
        }
        else if (grpcFailed)
        {
            Interlocked.Increment(ref _grpcErrors);
        }

        if (latency != LatencySample.None)
        {
            if (latency == LatencySample.Slow)
            {
                Interlocked.Increment(ref _slow);
            }

            Interlocked.Increment(ref _samples);
        }

        Interlocked.Increment(ref _requests);
    }

    public CountSnapshot Snapshot()
    {
        var serverErrors = Volatile.Read(ref _serverErrors);
        var transportErrors = Volatile.Read(ref _transportErrors);
        var grpcErrors = Volatile.Read(ref _grpcErrors);
        var slow = Volatile.Read(ref _slow);
        var samples = Volatile.Read(ref _samples);
        return new CountSnapshot(Volatile.Read(ref _requests), serverErrors, transportErrors, grpcErrors, samples, slow);
    }

    /// <summary>Every replica's totals: this one's now, the others' as last read (<see cref="Peers"/>). What the guard judges.</summary>
    public CountSnapshot Fleet() => Snapshot().Plus(Peers);
}

/// <summary>Whether a response counts for latency, and how it fared against the slow-request threshold.</summary>
internal enum LatencySample
{
    /// <summary>No headers from the backend, an upgrade, or a stream: its time says nothing about the version.</summary>
    None,

    Fast,

    /// <summary>Its response headers came later than the guard's MaxP99Ms.</summary>
    Slow,
}

/// <summary>A version's totals at one moment, or the difference of two: what the guard judges and an event reports.</summary>
internal readonly record struct CountSnapshot(long Requests, long ServerErrors, long TransportErrors, long GrpcErrors, long Samples, long Slow)
{
    /// <summary>Failures that count against the version: 5xx, no response, and gRPC server failures.</summary>
    public long Failures => ServerErrors + TransportErrors + GrpcErrors;

    public double ErrorRate => Requests == 0 ? 0 : (double)Failures / Requests;

    /// <summary>The share of latency samples slower than the threshold.</summary>
    public double SlowRate => Samples == 0 ? 0 : (double)Slow / Samples;

    public CountSnapshot Plus(CountSnapshot other) => new(
        Requests + other.Requests, ServerErrors + other.ServerErrors, TransportErrors + other.TransportErrors,
        GrpcErrors + other.GrpcErrors, Samples + other.Samples, Slow + other.Slow);

    public CountSnapshot Minus(CountSnapshot earlier) => new(
        Requests - earlier.Requests, ServerErrors - earlier.ServerErrors, TransportErrors - earlier.TransportErrors,
        GrpcErrors - earlier.GrpcErrors, Samples - earlier.Samples, Slow - earlier.Slow);
}

/// <summary>The running totals, one per release and version, kept across config reloads.</summary>
internal sealed class VersionCounters
{
    private readonly ConcurrentDictionary<(string Release, string Version), VersionCounts> _counts = new();

    public VersionCounts For(string release, string version) => _counts.GetOrAdd((release, version), _ => new VersionCounts());

    /// <summary>Every version counted so far.</summary>
    public IReadOnlyList<KeyValuePair<(string Release, string Version), VersionCounts>> All() => [.. _counts];
}

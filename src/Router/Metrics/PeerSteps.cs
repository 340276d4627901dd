namespace Canary.Router.Metrics;

/// <summary>
/// Replica mode: what the other replicas counted of one version, as it stood at each of the last moments their pushes
/// were stamped with (microseconds since the Unix epoch, each replica's wall clock). The guard places the others'
/// counts in time with it (<see cref="At"/>), so a replica's successes from before a failure elsewhere are judged
/// before that failure even when they arrive after it. Immutable: replaced whole when a push is taken.
/// </summary>
internal sealed class PeerSteps
{
    private readonly long[] _at;
    private readonly CountSnapshot[] _sums;

    /// <param name="before">The sum before the first step.</param>
    /// <param name="at">The steps' stamps, ascending.</param>
    /// <param name="sums">The sum from each step on (never less than the one before).</param>
    public PeerSteps(CountSnapshot before, long[] at, CountSnapshot[] sums)
    {
        Before = before;
        _at = at;
        _sums = sums;
    }

    /// <summary>
    /// How far back the others' counts are placed, in microseconds: a push is stamped at most about this long before it
    /// arrives (a replica answering a failure elsewhere stamps its push with that failure's moment, a few to tens of
    /// milliseconds back). Counts stamped earlier count from the oldest moment still placed.
    /// </summary>
    public const long HorizonMicroseconds = 250_000;

    /// <summary>The stamp of this moment on <paramref name="time"/>: microseconds since the Unix epoch.</summary>
    public static long Stamp(TimeProvider time) => (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>Nothing counted by another replica.</summary>
    public static PeerSteps None { get; } = new(default, [], []);

    public CountSnapshot Before { get; }

    /// <summary>Everything the others counted, as last read.</summary>
    public CountSnapshot Latest => _sums.Length == 0 ? Before : _sums[^1];

    /// <summary>What the others had counted by <paramref name="at"/> (microseconds since the Unix epoch).</summary>
    public CountSnapshot At(long at)
    {
        var i = Array.BinarySearch(_at, at);
        i = i >= 0 ? LastOf(i) : ~i - 1;
        return i < 0 ? Before : _sums[i];
    }

    /// <summary>The first stamp from which the others had counted more than <paramref name="failures"/> failures; null when no step has.</summary>
    public long? FirstAbove(long failures)
    {
        for (var i = 0; i < _sums.Length; i++)
        {
            if (_sums[i].Failures > failures)
            {
                return _at[i];
            }
        }

        return null;
    }

    // Equal stamps: the last of them holds the sum from that moment on.
    private int LastOf(int i)
    {
        while (i + 1 < _at.Length && _at[i + 1] == _at[i])
        {
            i++;
        }

        return i;
    }
}

using Canary.Router.Metrics;

namespace Canary.Router.Guard;

/// <summary>
/// One version's running totals as they stood at the start of each of the last seconds, so a window's figures are
/// the totals now minus the totals then. Written by the guard loop once a second, read by anyone: each entry is an
/// immutable object swapped in whole.
/// </summary>
/// <remarks>
/// A version whose totals have not moved for longer than the ring keeps no stamps: every one would hold the same
/// totals, so every window is zero with or without them. A version that has counted nothing yet (an idle release)
/// therefore holds no ring at all, and a quiet one stops allocating a stamp a second, objects that would live a
/// minute and fill the GC's oldest generation under load. When the totals move again the history starts over as
/// a young one: the stamp of that second holds the totals of the quiet.
/// </remarks>
internal sealed class CountHistory(int seconds)
{
    // Allocated with the first stamp kept.
    private Stamp?[]? _stamps;

    // The totals at the loop's previous look (nothing before the first): what stood at the start of a new second.
    private CountSnapshot _lastSeen;

    // The second of the last look that saw the totals move; none yet.
    private long _moved = long.MinValue;

    public int Seconds { get; } = seconds;

    /// <summary>
    /// The loop's look at the totals in <paramref name="second"/>: the first look in a second keeps the totals of the
    /// look before as that second's start (the loop looks every 100 ms, so they are at most that old).
    /// </summary>
    public void Keep(long second, CountSnapshot totals)
    {
        if (totals != _lastSeen)
        {
            _moved = second;
        }

        if (_moved >= second - Seconds)
        {
            var stamps = _stamps ?? Allocate();
            ref var slot = ref stamps[second % stamps.Length];
            if (Volatile.Read(ref slot)?.Second != second)
            {
                Volatile.Write(ref slot, new Stamp(second, _lastSeen));
            }
        }

        _lastSeen = totals;
    }

    /// <summary>
    /// Whether the totals last kept have stood still for longer than the ring at <paramref name="second"/>: while they
    /// stay as they are, every window is zero and a look keeps nothing.
    /// </summary>
    public bool Quiet(long second) => _moved < second - Seconds;

    /// <summary>
    /// The figures of the last <paramref name="window"/> seconds up to and including <paramref name="now"/> (its part so
    /// far), given the totals now; since the oldest second kept when the history is younger than the window.
    /// </summary>
    public CountSnapshot Window(long now, int window, CountSnapshot totals)
    {
        Stamp? oldest = null;
        for (var second = now - Math.Min(window, Seconds) + 1; second <= now; second++)
        {
            if (At(second) is { } stamp)
            {
                oldest = stamp;
                break;
            }
        }

        return oldest is null ? default : totals.Minus(oldest.Totals);
    }

    /// <summary>
    /// The figures of the <paramref name="window"/> whole seconds before <paramref name="now"/> (the current second is
    /// still filling), or <see cref="Window"/>'s answer while the history is younger than that.
    /// </summary>
    public CountSnapshot Complete(long now, int window, CountSnapshot totals) =>
        At(now) is { } end && At(now - window) is { } start ? end.Totals.Minus(start.Totals) : Window(now, window, totals);

    private Stamp?[] Allocate()
    {
        var stamps = new Stamp?[Seconds + 1];
        Volatile.Write(ref _stamps, stamps);
        return stamps;
    }

    private Stamp? At(long second) =>
        second >= 0 && Volatile.Read(ref _stamps) is { } stamps && Volatile.Read(ref stamps[second % stamps.Length]) is { } stamp && stamp.Second == second
            ? stamp : null;

    private sealed record Stamp(long Second, CountSnapshot Totals);
}

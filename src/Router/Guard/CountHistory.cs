using Canary.Router.Metrics;

namespace Canary.Router.Guard;

/// <summary>
/// One version's running totals as they stood at the start of each of the last seconds, so a window's figures are
/// the totals now minus the totals then. Written by the guard loop once a second, read by anyone: each entry is an
/// immutable object swapped in whole.
/// </summary>
internal sealed class CountHistory(int seconds)
{
    private readonly Stamp?[] _stamps = new Stamp?[seconds + 1];

    // The totals at the loop's previous look (nothing before the first): what stood at the start of a new second.
    private CountSnapshot _lastSeen;

    public int Seconds => _stamps.Length - 1;

    /// <summary>
    /// The loop's look at the totals in <paramref name="second"/>: the first look in a second keeps the totals of the
    /// look before as that second's start (the loop looks every 100 ms, so they are at most that old).
    /// </summary>
    public void Keep(long second, CountSnapshot totals)
    {
        ref var slot = ref _stamps[second % _stamps.Length];
        if (Volatile.Read(ref slot)?.Second != second)
        {
            Volatile.Write(ref slot, new Stamp(second, _lastSeen));
        }

        _lastSeen = totals;
    }

    /// <summary>
    /// The figures of the last <paramref name="window"/> seconds up to and including <paramref name="now"/> (its part so
    /// far), given the totals now; since the oldest second kept when the history is younger than the window.
    /// </summary>
    public CountSnapshot Window(long now, int window, CountSnapshot totals)
    {
        Stamp? oldest = null;
        for (var second = now - Math.Min(window, Seconds) + 1; second <= now; second++)
        {
            if (Volatile.Read(ref _stamps[second % _stamps.Length]) is { } stamp && stamp.Second == second)
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

    private Stamp? At(long second) =>
        second >= 0 && Volatile.Read(ref _stamps[second % _stamps.Length]) is { } stamp && stamp.Second == second ? stamp : null;

    private sealed record Stamp(long Second, CountSnapshot Totals);
}

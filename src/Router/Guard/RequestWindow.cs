using Canary.Router.Metrics;

namespace Canary.Router.Guard;

/// <summary>
/// A sliding window of one-second slots for one version of one release: requests, 5xx, transport errors and a
/// latency histogram. Recording is lock-free (a few interlocked adds); a slot is cleared when a new second reuses it.
/// Seconds come from the caller's <see cref="TimeProvider"/> timestamps, so tests drive it with a fake clock.
/// </summary>
internal sealed class RequestWindow
{
    // One slot more than the longest window, so the slot being filled never overlaps the oldest one read.
    private const int Slots = Configuration.OptionLimits.MaxGuardWindowSeconds + 1;

    private readonly Slot[] _slots = new Slot[Slots];
    private readonly Lock _reset = new();

    public RequestWindow()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }
    }

    /// <summary>The whole second a <see cref="TimeProvider"/> timestamp falls in: the windows' slot clock.</summary>
    public static long SecondOf(TimeProvider time, long timestamp) => timestamp / time.TimestampFrequency;

    public void Record(long second, StatusClass status, double milliseconds)
    {
        var slot = SlotFor(second);
        Interlocked.Increment(ref slot.Requests);
        if (status == StatusClass.ServerError5xx)
        {
            Interlocked.Increment(ref slot.ServerErrors);
        }
        else if (status == StatusClass.Error)
        {
            Interlocked.Increment(ref slot.TransportErrors);
        }

        Interlocked.Increment(ref slot.Latency[LatencyScale.IndexOf(milliseconds)]);
    }

    /// <summary>The figures of the last <paramref name="seconds"/> seconds up to and including <paramref name="now"/>.</summary>
    public WindowFigures Read(long now, int seconds)
    {
        long requests = 0, serverErrors = 0, transportErrors = 0;
        Span<long> latency = stackalloc long[LatencyScale.Buckets];
        for (var second = now - seconds + 1; second <= now; second++)
        {
            var slot = _slots[Index(second)];
            if (Volatile.Read(ref slot.Second) != second)
            {
                continue;
            }

            requests += Volatile.Read(ref slot.Requests);
            serverErrors += Volatile.Read(ref slot.ServerErrors);
            transportErrors += Volatile.Read(ref slot.TransportErrors);
            for (var i = 0; i < latency.Length; i++)
            {
                latency[i] += Volatile.Read(ref slot.Latency[i]);
            }
        }

        return new WindowFigures(requests, serverErrors, transportErrors, LatencyScale.Quantile(latency, 0.99));
    }

    /// <summary>Forgets everything, e.g. after a rollback, so a new canary starts from a clean window.</summary>
    public void Clear()
    {
        lock (_reset)
        {
            foreach (var slot in _slots)
            {
                Volatile.Write(ref slot.Second, -1);
            }
        }
    }

    private Slot SlotFor(long second)
    {
        var slot = _slots[Index(second)];
        if (Volatile.Read(ref slot.Second) != second)
        {
            lock (_reset)
            {
                if (slot.Second != second)
                {
                    slot.Requests = 0;
                    slot.ServerErrors = 0;
                    slot.TransportErrors = 0;
                    Array.Clear(slot.Latency);
                    Volatile.Write(ref slot.Second, second);
                }
            }
        }

        return slot;
    }

    private static int Index(long second) => (int)(((second % Slots) + Slots) % Slots);

    private sealed class Slot
    {
#pragma warning disable CA1051 // Fields, so Interlocked can take them by reference.
        public long Second = -1;
        public long Requests;
        public long ServerErrors;
        public long TransportErrors;
        public readonly long[] Latency = new long[LatencyScale.Buckets];
#pragma warning restore CA1051
    }
}

using Canary.Router.Metrics;

namespace Canary.Bench.GuardSim;

/// <summary>
/// Per-second counts of both versions over the last seconds, as the router's guard (and the old rule's windows) see
/// them: a window is the current second so far and the whole seconds before it.
/// </summary>
internal sealed class Windows(int seconds)
{
    private readonly long[,] _counts = new long[seconds + 1, 4];
    private readonly long[] _second = Enumerable.Repeat(-1L, seconds + 1).ToArray();

    public void Add(long second, long canaryRequests, long canaryFailures, long stableRequests, long stableFailures)
    {
        var i = (int)(second % _second.Length);
        if (_second[i] != second)
        {
            _second[i] = second;
            _counts[i, 0] = _counts[i, 1] = _counts[i, 2] = _counts[i, 3] = 0;
        }

        _counts[i, 0] += canaryRequests;
        _counts[i, 1] += canaryFailures;
        _counts[i, 2] += stableRequests;
        _counts[i, 3] += stableFailures;
    }

    /// <summary>Canary and stable figures over the last <paramref name="window"/> seconds up to <paramref name="now"/>.</summary>
    public (CountSnapshot Canary, CountSnapshot Stable) Read(long now, int window)
    {
        long cr = 0, cf = 0, sr = 0, sf = 0;
        for (var second = now - window + 1; second <= now; second++)
        {
            if (second < 0)
            {
                continue;
            }

            var i = (int)(second % _second.Length);
            if (_second[i] == second)
            {
                cr += _counts[i, 0];
                cf += _counts[i, 1];
                sr += _counts[i, 2];
                sf += _counts[i, 3];
            }
        }

        return (Counts(cr, cf), Counts(sr, sf));
    }

    public static CountSnapshot Counts(long requests, long failures) => new(requests, failures, 0, 0, 0, 0);
}

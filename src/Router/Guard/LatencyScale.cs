namespace Canary.Router.Guard;

/// <summary>
/// Log-spaced latency buckets for estimating p99 inside the guard's window: 73 buckets from 0.5 ms up to about
/// 10 minutes (past the largest MaxP99Ms router.json accepts), each about 21% wider than the last, so a p99 estimate is off by at most one bucket's width.
/// </summary>
internal static class LatencyScale
{
    public const int Buckets = 73;
    private const double FirstUpperMs = 0.5;
    private const double Growth = 1.215;
    private static readonly double[] UpperBounds = BuildBounds();

    public static int IndexOf(double milliseconds)
    {
        var index = Array.BinarySearch(UpperBounds, milliseconds);
        return Math.Min(index >= 0 ? index : ~index, Buckets - 1);
    }

    public static double UpperBoundMs(int index) => UpperBounds[index];

    /// <summary>The upper bound of the bucket holding the q-quantile; 0 for no samples.</summary>
    public static double Quantile(ReadOnlySpan<long> counts, double q)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return UpperBounds[i];
            }
        }

        return UpperBounds[^1];
    }

    private static double[] BuildBounds()
    {
        var bounds = new double[Buckets];
        var bound = FirstUpperMs;
        for (var i = 0; i < Buckets; i++)
        {
            bounds[i] = Math.Round(bound, 3);
            bound *= Growth;
        }

        return bounds;
    }
}

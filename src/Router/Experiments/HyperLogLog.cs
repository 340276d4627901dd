using System.Numerics;

namespace Canary.Router.Experiments;

/// <summary>
/// Counts distinct users in 16 KB whatever their number (nothing until the first one: a release with no traffic, or
/// 1,000 of them, holds no registers), with Redis's precision: 2^14 registers, standard error
/// 1.04/sqrt(16384) = 0.81%. A hash's low 14 bits pick the register and the rank is one more than the trailing zeros
/// of the other 50 bits, as Redis's PFADD does; the estimate is Ertl's improved raw estimator ("New cardinality
/// estimation algorithms for HyperLogLog sketches", 2017), which Redis also uses: no bias tables, no switch-over
/// between linear counting and the raw estimate. <see cref="Add"/> is lock-free and safe from any thread.
/// </summary>
internal sealed class HyperLogLog
{
    public const int Precision = 14;
    public const int RegisterCount = 1 << Precision;

    /// <summary>The largest rank: 50 hash bits above the index, plus one.</summary>
    public const int MaxRank = 64 - Precision + 1;

    /// <summary>1.04 / sqrt(m): the relative standard error of a large count.</summary>
    public static readonly double LargeRangeError = 1.04 / Math.Sqrt(RegisterCount);

    // Null while the sketch is empty; allocated by the first Add or Merge that has something to keep.
    private byte[]? _registers;

    public HyperLogLog()
    {
    }

    private HyperLogLog(byte[] registers) => _registers = registers;

    /// <summary>Rebuilds a sketch from <see cref="Registers"/>; null when the data is not a sketch of this precision.</summary>
    public static HyperLogLog? FromRegisters(ReadOnlySpan<byte> registers)
    {
        if (registers.IsEmpty)
        {
            return new HyperLogLog();
        }

        if (registers.Length != RegisterCount || registers.IndexOfAnyInRange((byte)(MaxRank + 1), byte.MaxValue) >= 0)
        {
            return null;
        }

        return new HyperLogLog(registers.ToArray());
    }

    /// <returns>Whether a register grew (the sketch changed, so it is worth saving again).</returns>
    public bool Add(ulong hash)
    {
        var index = (int)(hash & (RegisterCount - 1));
        var rank = (byte)(BitOperations.TrailingZeroCount((hash >> Precision) | (1UL << (64 - Precision))) + 1);
        ref var register = ref Allocated()[index];
        var current = Volatile.Read(ref register);
        while (rank > current)
        {
            var seen = Interlocked.CompareExchange(ref register, rank, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Adds every user of <paramref name="other"/> (the union of the two sets).</summary>
    public void Merge(HyperLogLog other)
    {
        if (Volatile.Read(ref other._registers) is not { } theirs)
        {
            return;
        }

        var registers = Allocated();
        for (var i = 0; i < RegisterCount; i++)
        {
            var rank = Volatile.Read(ref theirs[i]);
            ref var register = ref registers[i];
            var current = Volatile.Read(ref register);
            while (rank > current)
            {
                var seen = Interlocked.CompareExchange(ref register, rank, current);
                if (seen == current)
                {
                    break;
                }

                current = seen;
            }
        }
    }

    /// <summary>A copy of the registers, one byte each (the persisted form); none while the sketch is empty.</summary>
    public byte[] Registers() => Volatile.Read(ref _registers) is { } registers ? (byte[])registers.Clone() : [];

    public long Count()
    {
        if (Volatile.Read(ref _registers) is not { } registers)
        {
            return 0;
        }

        Span<int> histogram = stackalloc int[MaxRank + 2];
        histogram.Clear();
        foreach (var rank in registers)
        {
            histogram[rank]++;
        }

        const double m = RegisterCount;
        var z = m * Tau((m - histogram[MaxRank]) / m);
        for (var k = MaxRank - 1; k >= 1; k--)
        {
            z = 0.5 * (z + histogram[k]);
        }

        z += m * Sigma(histogram[0] / m);
        return (long)Math.Round(m * m / (2 * Math.Log(2) * z));
    }

    /// <summary>The registers, allocated by the first thread to need them (another thread's, if it won the race).</summary>
    private byte[] Allocated() =>
        Volatile.Read(ref _registers) ?? Interlocked.CompareExchange(ref _registers, new byte[RegisterCount], null) ?? _registers!;

    /// <summary>
    /// The relative standard error of a count of about <paramref name="estimate"/>: 1.04/sqrt(m) for large counts,
    /// linear counting's smaller sqrt(m(e^t - t - 1))/n (t = n/m) where the sketch is still sparse.
    /// </summary>
    public static double RelativeError(double estimate)
    {
        if (estimate <= 0)
        {
            return 0;
        }

        var t = estimate / RegisterCount;
        var linear = Math.Sqrt(RegisterCount * (Math.Exp(Math.Min(t, 700)) - t - 1)) / estimate;
        return Math.Min(linear, LargeRangeError);
    }

    // Ertl's sigma and tau series (2017, algorithm 6), summed until they stop changing.
    private static double Sigma(double x)
    {
        if (x == 1)
        {
            return double.PositiveInfinity;
        }

        double y = 1, z = x, previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (z != previous);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0 || x == 1)
        {
            return 0;
        }

        double y = 1, z = 1 - x, previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            z -= Math.Pow(1 - x, 2) * y;
        }
        while (z != previous);
        return z / 3;
    }
}

namespace Canary.Bench.GuardSim;

/// <summary>xoshiro256** seeded by SplitMix64: fast, and the same stream for the same seed on every machine.</summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        ulong Next()
        {
            seed += 0x9E3779B97F4A7C15UL;
            var z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        _s0 = Next();
        _s1 = Next();
        _s2 = Next();
        _s3 = Next();
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double Uniform()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return (result >> 11) * (1.0 / (1UL << 53));
    }

    public double Exponential(double rate) => -Math.Log(1 - Uniform()) / rate;

    /// <summary>Poisson: exact by inversion below a mean of 100, a rounded normal above (skew 1/sqrt(mean) under 10%).</summary>
    public long Poisson(double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean < 100)
        {
            var p = Math.Exp(-mean);
            var cumulative = p;
            var u = Uniform();
            long k = 0;
            while (u > cumulative && k < 1000)
            {
                k++;
                p *= mean / k;
                cumulative += p;
            }

            return k;
        }

        return Math.Max(0, (long)Math.Round(mean + (Math.Sqrt(mean) * Normal())));
    }

    private double Normal()
    {
        var u1 = 1 - Uniform();
        var u2 = Uniform();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

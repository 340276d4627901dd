namespace Canary.Router.Experiments;

/// <summary>
/// The classic tests, valid when the sample size was fixed in advance and the result is read once: a pooled
/// two-proportion z-test for conversion goals and Welch's unequal-variance t-test for numeric goals.
/// </summary>
internal static class FixedHorizonTest
{
    /// <summary>
    /// z = (pc - ps) / sqrt(p(1-p)(1/nc + 1/ns) + measurement), p the pooled rate; the counts' HyperLogLog
    /// variance is added so that a million users do not turn a 0.8% counting error into a "significant" lift.
    /// </summary>
    /// <returns>The z statistic and its two-sided p-value.</returns>
    public static (double Z, double PValue) TwoProportion(ArmEstimate stable, ArmEstimate canary)
    {
        var pooled = ((stable.Mean * stable.N) + (canary.Mean * canary.N)) / (stable.N + canary.N);
        var variance = (pooled * (1 - pooled) * ((1 / stable.N) + (1 / canary.N))) + stable.MeasurementVariance + canary.MeasurementVariance;
        if (!(variance > 0))
        {
            return (0, 1);
        }

        var z = (canary.Mean - stable.Mean) / Math.Sqrt(variance);
        return (z, Distributions.NormalTwoSided(z));
    }

    /// <returns>Welch's t, its Welch-Satterthwaite degrees of freedom and the two-sided p-value.</returns>
    public static (double T, double DegreesOfFreedom, double PValue) Welch(ArmEstimate stable, ArmEstimate canary)
    {
        var vs = stable.SamplingVariance;
        var vc = canary.SamplingVariance;
        if (!(vs + vc > 0) || stable.N < 2 || canary.N < 2)
        {
            return (0, 0, 1);
        }

        var t = (canary.Mean - stable.Mean) / Math.Sqrt(vs + vc);
        var df = (vs + vc) * (vs + vc) / ((vs * vs / (stable.N - 1)) + (vc * vc / (canary.N - 1)));
        return (t, df, Distributions.StudentTTwoSided(t, df));
    }
}

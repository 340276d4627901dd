namespace Canary.Router.Experiments;

/// <summary>The sample-ratio-mismatch check: does the observed user split match the weight the router applied?</summary>
internal sealed record SampleRatioCheck(long StableUsers, long CanaryUsers, double ExpectedCanaryShare, double ObservedCanaryShare, double ChiSquare, double PValue, bool Mismatch)
{
    /// <summary>
    /// Pearson's chi-square of the two counts against the expected share w, with one degree of freedom:
    /// (f - w)^2 / Var(f), f the observed canary share and Var(f) = w(1-w)/n + w^2(1-w)^2(r_c^2 + r_s^2). The
    /// second term is the HyperLogLog's counting error (r, relative); without it (exact counts) this is exactly the
    /// textbook statistic. Flagged below <see cref="StatisticsSettings.SampleRatioThreshold"/>, as GrowthBook does.
    /// </summary>
    public static SampleRatioCheck Of(long stableUsers, long canaryUsers, double expectedCanaryShare)
    {
        var n = (double)stableUsers + canaryUsers;
        var w = expectedCanaryShare;
        if (n <= 0 || w <= 0 || w >= 1)
        {
            return new SampleRatioCheck(stableUsers, canaryUsers, w, n > 0 ? canaryUsers / n : 0, 0, 1, false);
        }

        var observed = canaryUsers / n;
        var rc = HyperLogLog.RelativeError(canaryUsers);
        var rs = HyperLogLog.RelativeError(stableUsers);
        var spread = w * (1 - w);
        var variance = (spread / n) + (spread * spread * ((rc * rc) + (rs * rs)));
        var chiSquare = (observed - w) * (observed - w) / variance;
        var p = Distributions.ChiSquareOneUpper(chiSquare);
        return new SampleRatioCheck(stableUsers, canaryUsers, w, observed, chiSquare, p, p < StatisticsSettings.SampleRatioThreshold);
    }
}

namespace Canary.Router.Experiments;

/// <summary>
/// An asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas, "Time-uniform central limit
/// theory and asymptotic confidence sequences", 2023, eq. 9; the form GrowthBook's sequential testing uses): an
/// interval that holds at every sample size at once, so looking at the results every minute does not inflate false
/// winners. Half-width = sqrt(s2) sqrt(2(n rho^2 + 1) ln(sqrt(n rho^2 + 1)/alpha) / (n rho)^2), s2 the
/// per-observation variance and rho tuned to be tightest near <see cref="StatisticsSettings.SequentialTuning"/>
/// observations (eq. 161).
/// </summary>
internal static class ConfidenceSequence
{
    public static double Rho(double alpha, double tuning)
    {
        var logAlpha = Math.Log(alpha);
        return Math.Sqrt(((-2 * logAlpha) + Math.Log((-2 * logAlpha) + 1)) / tuning);
    }

    public static double HalfWidth(double perObservationVariance, double n, double alpha, double tuning)
    {
        var rho = Rho(alpha, tuning);
        var nRho2 = n * rho * rho;
        var nRho = n * rho;
        return Math.Sqrt(perObservationVariance) * Math.Sqrt(2 * (nRho2 + 1) * Math.Log(Math.Sqrt(nRho2 + 1) / alpha) / (nRho * nRho));
    }

    /// <summary>The sequence's half-width for a lift measured over <paramref name="n"/> observations in all.</summary>
    public static double HalfWidth(RelativeLift lift, double n, double alpha, double tuning) =>
        HalfWidth(lift.Variance * n, n, alpha, tuning);

    /// <summary>
    /// How many more observations (both versions together, in the current split) the sequence needs to exclude
    /// zero if the lift stays where it is and each observation stays as variable; null when it never would: a zero
    /// lift, or one smaller than the counting precision allows.
    /// </summary>
    public static double? MoreObservationsNeeded(RelativeLift lift, double n, double alpha, double tuning)
    {
        var target = Math.Abs(lift.Value);
        if (target == 0 || n <= 0)
        {
            return null;
        }

        // At n' = k n the sampling variance is SamplingVariance / k, the measurement variance unchanged.
        double WidthAt(double k) => HalfWidth(((lift.SamplingVariance / k) + lift.MeasurementVariance) * k * n, k * n, alpha, tuning);
        if (WidthAt(1) <= target)
        {
            return 0;
        }

        double low = 1, high = 2;
        while (WidthAt(high) > target)
        {
            low = high;
            high *= 2;
            if (high > 1e9)
            {
                return null;
            }
        }

        for (var i = 0; i < 100 && high - low > 1e-9 * high; i++)
        {
            var middle = 0.5 * (low + high);
            if (WidthAt(middle) > target)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return Math.Ceiling((high - 1) * n);
    }
}

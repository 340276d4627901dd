namespace Canary.Router.Experiments;

/// <summary>
/// One version's figure for one goal: its mean (a conversion rate, or a mean value), and the variance of that mean
/// in two parts: sampling, which shrinks as 1/n, and measurement (the HyperLogLog's error on the user counts),
/// which does not. Keeping them apart lets the sample-size projection see that no number of users beats the
/// counting precision.
/// </summary>
internal readonly record struct ArmEstimate(double Mean, double SamplingVariance, double MeasurementVariance, double N)
{
    public double Variance => SamplingVariance + MeasurementVariance;

    /// <summary>
    /// p = converted / exposed, Var = p(1-p)/n + p^2 (r_x^2 + r_n^2), r the counts' relative errors; converted is
    /// capped at exposed (two estimates can cross by a fraction of a percent).
    /// </summary>
    public static ArmEstimate Conversions(long converted, long exposed)
    {
        if (exposed <= 0)
        {
            return new ArmEstimate(0, 0, 0, 0);
        }

        var x = (double)Math.Min(converted, exposed);
        var p = x / exposed;
        var rx = HyperLogLog.RelativeError(x);
        var rn = HyperLogLog.RelativeError(exposed);
        return new ArmEstimate(p, p * (1 - p) / exposed, p * p * ((rx * rx) + (rn * rn)), exposed);
    }

    /// <summary>Mean of n values from their sum and sum of squares; the sample variance over n - 1.</summary>
    public static ArmEstimate Values(long n, double sum, double sumOfSquares)
    {
        if (n <= 0)
        {
            return new ArmEstimate(0, 0, 0, 0);
        }

        var mean = sum / n;
        var variance = n > 1 ? Math.Max(0, (sumOfSquares - (sum * mean)) / (n - 1)) : 0;
        return new ArmEstimate(mean, variance / n, 0, n);
    }

    /// <summary>The per-observation variance of the values (s^2), for numeric goals.</summary>
    public double SampleVariance => SamplingVariance * N;
}

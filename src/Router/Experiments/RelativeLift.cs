namespace Canary.Router.Experiments;

/// <summary>
/// The canary's relative lift over stable, mc/ms - 1, and its variance by the delta method:
/// Var = vc/ms^2 + mc^2 vs/ms^4 (as GrowthBook's frequentist engine), split like <see cref="ArmEstimate"/>.
/// </summary>
internal readonly record struct RelativeLift(double Value, double SamplingVariance, double MeasurementVariance)
{
    public double Variance => SamplingVariance + MeasurementVariance;

    public double StandardError => Math.Sqrt(Variance);

    /// <summary>Null when stable's mean is zero (no baseline to be relative to).</summary>
    public static RelativeLift? Of(ArmEstimate stable, ArmEstimate canary)
    {
        if (stable.Mean == 0)
        {
            return null;
        }

        var ms2 = stable.Mean * stable.Mean;
        var factor = canary.Mean * canary.Mean / (ms2 * ms2);
        return new RelativeLift(
            (canary.Mean / stable.Mean) - 1,
            (canary.SamplingVariance / ms2) + (factor * stable.SamplingVariance),
            (canary.MeasurementVariance / ms2) + (factor * stable.MeasurementVariance));
    }
}

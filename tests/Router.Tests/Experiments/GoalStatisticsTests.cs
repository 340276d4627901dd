using Canary.Router.Experiments;

namespace Canary.Router.Tests.Experiments;

/// <summary>
/// Every figure against tests/Router.Tests/Experiments/stats_tables.py, which recomputes them with mpmath at 30
/// digits from the formulas the README documents (delta-method lift, pooled z with the HyperLogLog variance, Welch's
/// t with Satterthwaite's degrees of freedom, Waudby-Smith's confidence sequence with alpha 0.05 and N = 5000).
/// </summary>
public sealed class GoalStatisticsTests
{
    [Theory]
    [InlineData(100, 1000, 130, 1000, 0.3, -0.0204326625932653854, 0.620432662593265385, 0.0362408800757054339, 0.510703696391340456)]
    [InlineData(4000, 40000, 4400, 41000, 0.0731707317073170732, 0.0205225410708578804, 0.125818922343776266, 0.00478828892712548746, 0.0888476187422153863)]
    [InlineData(50000, 1000000, 50500, 1000000, 0.01, -0.0243934285803285379, 0.0443934285803285379, 0.566850734946516360, 0.0657970080420919132)]
    public void Conversions_KnownCounts_MatchReference(long xs, long ns, long xc, long nc, double lift, double low, double high, double p, double halfWidth)
    {
        var stable = ArmEstimate.Conversions(xs, ns);
        var canary = ArmEstimate.Conversions(xc, nc);
        var relative = RelativeLift.Of(stable, canary)!.Value;

        Assert.Equal(lift, relative.Value, 12);
        Assert.Equal(low, relative.Value - (1.959963984540054 * relative.StandardError), 11);
        Assert.Equal(high, relative.Value + (1.959963984540054 * relative.StandardError), 11);
        Assert.Equal(p, FixedHorizonTest.TwoProportion(stable, canary).PValue, 11);
        Assert.Equal(halfWidth, ConfidenceSequence.HalfWidth(relative, ns + nc, 0.05, 5000), 11);
    }

    [Theory]
    [InlineData(100, 1000, 130, 1000, 3549.0)]
    [InlineData(4000, 40000, 4400, 41000, 92030.0)]
    public void MoreObservationsNeeded_CurrentLift_MatchesReference(long xs, long ns, long xc, long nc, double expected)
    {
        var relative = RelativeLift.Of(ArmEstimate.Conversions(xs, ns), ArmEstimate.Conversions(xc, nc))!.Value;
        Assert.Equal(expected, ConfidenceSequence.MoreObservationsNeeded(relative, ns + nc, 0.05, 5000));
    }

    [Fact]
    public void MoreObservationsNeeded_LiftBelowCountingPrecision_Never()
    {
        // +1% on 5% conversion with a million users each: the HyperLogLogs' 0.8% error alone is wider (reference: "never").
        var relative = RelativeLift.Of(ArmEstimate.Conversions(50000, 1000000), ArmEstimate.Conversions(50500, 1000000))!.Value;
        Assert.Null(ConfidenceSequence.MoreObservationsNeeded(relative, 2000000, 0.05, 5000));
    }

    [Theory]
    [InlineData(40, 160, 700, 50, 215, 1010, 0.075, 85.7150605593903227, 0.271121975824135413, -0.0649982471519768387, 0.214998247151976839, 0.492953725305685546)]
    [InlineData(400, 12000, 400000, 380, 12100, 420000, 0.0614035087719298246, 777.970551373165251, 0.00877881930983292632, 0.0140661368598702692, 0.108740880683989380, 0.0845292778238041172)]
    public void Values_KnownSums_WelchAndLiftMatchReference(long ks, double ss, double qs, long kc, double sc, double qc,
        double lift, double df, double p, double low, double high, double halfWidth)
    {
        var stable = ArmEstimate.Values(ks, ss, qs);
        var canary = ArmEstimate.Values(kc, sc, qc);
        var relative = RelativeLift.Of(stable, canary)!.Value;
        var welch = FixedHorizonTest.Welch(stable, canary);
        var q = Distributions.StudentTQuantile(0.975, welch.DegreesOfFreedom);

        Assert.Equal(lift, relative.Value, 12);
        Assert.Equal(df, welch.DegreesOfFreedom, 9);
        Assert.Equal(p, welch.PValue, 10);
        Assert.Equal(low, relative.Value - (q * relative.StandardError), 9);
        Assert.Equal(high, relative.Value + (q * relative.StandardError), 9);
        Assert.Equal(halfWidth, ConfidenceSequence.HalfWidth(relative, ks + kc, 0.05, 5000), 11);
    }

    [Fact]
    public void Lift_StableNeverConverted_Undefined()
    {
        Assert.Null(RelativeLift.Of(ArmEstimate.Conversions(0, 500), ArmEstimate.Conversions(10, 500)));
    }

    [Fact]
    public void HalfWidth_MoreObservations_Narrower()
    {
        // Anytime-valid but still consistent: the interval shrinks as data comes in.
        var previous = double.MaxValue;
        foreach (var n in new[] { 100, 1_000, 10_000, 100_000, 1_000_000 })
        {
            var width = ConfidenceSequence.HalfWidth(1.0, n, 0.05, 5000);
            Assert.True(width < previous);
            previous = width;
        }
    }
}

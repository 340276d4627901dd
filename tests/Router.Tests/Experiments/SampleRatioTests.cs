using Canary.Router.Experiments;

namespace Canary.Router.Tests.Experiments;

/// <summary>Reference values from stats_tables.py (mpmath): chi-square of the split with the HyperLogLog variance.</summary>
public sealed class SampleRatioTests
{
    [Theory]
    [InlineData(5000, 5000, 0.5, 0.0, 1.0, false)]
    [InlineData(5000, 5300, 0.5, 7.43639112905294652, 0.00639179356644682341, false)]
    [InlineData(9000, 1100, 0.1, 8.39087841229349877, 0.00377108622460805239, false)]
    [InlineData(900000, 104000, 0.1, 11.0922259758729673, 0.000866903634099051014, true)]
    [InlineData(5000, 5800, 0.5, 50.0286851055616045, 1.51514737739896353e-12, true)]
    public void Of_KnownSplits_MatchesReference(long stable, long canary, double weight, double chiSquare, double p, bool mismatch)
    {
        var check = SampleRatioCheck.Of(stable, canary, weight);

        Assert.Equal(chiSquare, check.ChiSquare, 9);
        Assert.Equal(p, check.PValue, 1e-12 + (p * 1e-9));
        Assert.Equal(mismatch, check.Mismatch);
    }

    [Fact]
    public void Of_MillionUsersSplitWithinCountingError_NotFlagged()
    {
        // 10.2% on a 10% weight with a million users: exact counts would give chi-square 44 (p = 3e-11), but the
        // sketches' 0.8% error on each count explains it; flagging it would cry wolf on every large experiment.
        var check = SampleRatioCheck.Of(898_000, 102_000, 0.1);
        Assert.False(check.Mismatch);
    }

    [Fact]
    public void Of_NoUsers_NotFlagged()
    {
        Assert.False(SampleRatioCheck.Of(0, 0, 0.5).Mismatch);
    }
}

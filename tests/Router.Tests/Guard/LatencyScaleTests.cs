using Canary.Router.Guard;

namespace Canary.Router.Tests.Guard;

public sealed class LatencyScaleTests
{
    [Fact]
    public void UpperBounds_Increasing_EachAbout21PercentWider()
    {
        for (var i = 1; i < LatencyScale.Buckets; i++)
        {
            var ratio = LatencyScale.UpperBoundMs(i) / LatencyScale.UpperBoundMs(i - 1);
            Assert.InRange(ratio, 1.2, 1.23);
        }

        Assert.Equal(0.5, LatencyScale.UpperBoundMs(0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(0.51)]
    [InlineData(7)]
    [InlineData(999.9)]
    [InlineData(1000)]
    [InlineData(65_000)]
    public void IndexOf_Value_BucketWhoseUpperBoundIsTheFirstAtOrAbove(double milliseconds)
    {
        var index = LatencyScale.IndexOf(milliseconds);

        Assert.True(LatencyScale.UpperBoundMs(index) >= milliseconds);
        Assert.True(index == 0 || LatencyScale.UpperBoundMs(index - 1) < milliseconds);
    }

    [Fact]
    public void IndexOf_BeyondTheScale_LastBucket()
    {
        Assert.Equal(LatencyScale.Buckets - 1, LatencyScale.IndexOf(double.MaxValue));
    }

    [Fact]
    public void Quantile_NoSamples_Zero()
    {
        Assert.Equal(0, LatencyScale.Quantile(new long[LatencyScale.Buckets], 0.99));
    }

    [Theory]
    [InlineData(100, 0, 3)]
    [InlineData(99, 1, 3)]
    [InlineData(98, 2, 40)]
    [InlineData(1, 1, 40)]
    [InlineData(0, 5, 40)]
    public void Quantile_P99_UpperBoundOfTheBucketHoldingTheRank(long fast, long slow, int expectedIndex)
    {
        var counts = new long[LatencyScale.Buckets];
        counts[3] = fast;
        counts[40] = slow;

        Assert.Equal(LatencyScale.UpperBoundMs(expectedIndex), LatencyScale.Quantile(counts, 0.99));
    }
}

using Canary.Router.Experiments;

namespace Canary.Router.Tests.Experiments;

/// <summary>Reference values from mpmath at 30 digits (ncdf, erfc, and Student's t density integrated with quad).</summary>
public sealed class DistributionsTests
{
    [Theory]
    [InlineData(-3.5, 0.000232629079035525036)]
    [InlineData(-1.2, 0.115069670221708276646)]
    [InlineData(0, 0.5)]
    [InlineData(0.7, 0.758036347776926971384)]
    [InlineData(1.959963984540054, 0.975)]
    [InlineData(4.2, 0.999986654250984093672)]
    public void NormalCdf_KnownPoints_MatchesMpmath(double z, double expected)
    {
        Assert.Equal(expected, Distributions.NormalCdf(z), 12);
    }

    [Fact]
    public void NormalQuantile_975_Is1point96()
    {
        Assert.Equal(1.959963984540054, Distributions.NormalQuantile(0.975), 10);
    }

    [Theory]
    [InlineData(0.5, 0.479500122186953462317)]
    [InlineData(3.841458820694124, 0.05)]
    [InlineData(10.83, 0.000998686379180258745)]
    [InlineData(25, 5.7330314375838782e-7)]
    public void ChiSquareOneUpper_KnownPoints_MatchesMpmath(double x, double expected)
    {
        Assert.Equal(expected, Distributions.ChiSquareOneUpper(x), 1e-12 * Math.Max(1, expected * 1e6));
    }

    [Theory]
    [InlineData(2.1, 3.7, 0.109264705082224734237)]
    [InlineData(1.5, 10, 0.164507326445440180849)]
    [InlineData(-2.4, 57.3, 0.0196667089238885270214)]
    [InlineData(0.3, 1.0, 0.814452841844515319369)]
    public void StudentTTwoSided_KnownPoints_MatchesMpmath(double t, double df, double expected)
    {
        Assert.Equal(expected, Distributions.StudentTTwoSided(t, df), 11);
    }

    [Theory]
    [InlineData(3.7, 2.86752070719118940392)]
    [InlineData(10, 2.22813885198627474840)]
    [InlineData(57.3, 2.00223826823133645485)]
    public void StudentTQuantile_975_MatchesMpmath(double df, double expected)
    {
        Assert.Equal(expected, Distributions.StudentTQuantile(0.975, df), 9);
    }
}

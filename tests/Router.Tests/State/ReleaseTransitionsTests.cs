using Canary.Router.Configuration;
using Canary.Router.State;

namespace Canary.Router.Tests.State;

public sealed class ReleaseTransitionsTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(10, 1000)]
    [InlineData(12.34, 1234)]
    [InlineData(33.333, 3333)]
    [InlineData(10.006, 1001)]
    [InlineData(0.01, 1)]
    [InlineData(0.004, 0)]
    [InlineData(99.99, 9999)]
    [InlineData(100, 10_000)]
    public void SetWeight_Percent_RoundedToBuckets(double percent, int buckets)
    {
        var next = ReleaseTransitions.SetWeight(Release(weightBuckets: 500), percent);

        Assert.Null(next.Refusal);
        Assert.Equal(buckets, next.Next!.CanaryBuckets);
        Assert.Equal(buckets / 100.0, next.Next.Weight);
    }

    [Fact]
    public void SetWeight_KeepsEverythingElse()
    {
        var before = Release(weightBuckets: 500);

        var after = ReleaseTransitions.SetWeight(before, 25).Next!;

        Assert.Equal(before with { CanaryBuckets = 2500 }, after);
    }

    [Fact]
    public void SetWeight_NoCanary_Refused()
    {
        var outcome = ReleaseTransitions.SetWeight(Release(weightBuckets: 0) with { Canary = null, Phase = ReleasePhase.Stable }, 10);

        Assert.Null(outcome.Next);
        Assert.Contains("no canary", outcome.Refusal?.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("shop", outcome.Refusal?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SetWeight_Paused_StaysPaused()
    {
        var outcome = ReleaseTransitions.SetWeight(Release(weightBuckets: 500) with { Phase = ReleasePhase.Paused }, 20);

        Assert.Equal(ReleasePhase.Paused, outcome.Next!.Phase);
        Assert.Equal(2000, outcome.Next.CanaryBuckets);
    }

    [Fact]
    public void SetWeight_RolledBack_ProgressingAgain()
    {
        var rolledBack = ReleaseTransitions.Rollback(Release(weightBuckets: 500)).Next!;

        var outcome = ReleaseTransitions.SetWeight(rolledBack, 5);

        Assert.Equal(ReleasePhase.Progressing, outcome.Next!.Phase);
        Assert.Equal(500, outcome.Next.CanaryBuckets);
    }

    [Fact]
    public void Promote_CanaryBecomesStableForEveryone()
    {
        var outcome = ReleaseTransitions.Promote(Release(weightBuckets: 2500));

        Assert.Null(outcome.Refusal);
        var next = outcome.Next!;
        Assert.Equal("v2", next.Stable);
        Assert.Null(next.Canary);
        Assert.Equal(0, next.CanaryBuckets);
        Assert.Equal(ReleasePhase.Promoted, next.Phase);
    }

    [Fact]
    public void Promote_NoCanary_Refused()
    {
        var outcome = ReleaseTransitions.Promote(Release(weightBuckets: 0) with { Canary = null, Phase = ReleasePhase.Stable });

        Assert.Null(outcome.Next);
        Assert.Contains("no canary", outcome.Refusal?.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Rollback_WeightZeroPhaseRolledBackCanaryKept()
    {
        var outcome = ReleaseTransitions.Rollback(Release(weightBuckets: 2500));

        var next = outcome.Next!;
        Assert.Equal("v1", next.Stable);
        Assert.Equal("v2", next.Canary);
        Assert.Equal(0, next.CanaryBuckets);
        Assert.Equal(ReleasePhase.RolledBack, next.Phase);
        Assert.False(next.IsActive(new SegmentOptions { Name = "beta", Source = new UserKeySource(RequestValueKind.Header, "X-Beta"), Values = ["true"], Version = "v2" }));
    }

    [Fact]
    public void Rollback_NoCanary_Refused()
    {
        var outcome = ReleaseTransitions.Rollback(Release(weightBuckets: 0) with { Canary = null, Phase = ReleasePhase.Promoted });

        Assert.Null(outcome.Next);
        Assert.NotNull(outcome.Refusal);
    }

    [Fact]
    public void Transitions_DoNotChangeTheRevision()
    {
        var state = Release(weightBuckets: 500) with { Revision = 7 };

        Assert.Equal(7, ReleaseTransitions.SetWeight(state, 50).Next!.Revision);
        Assert.Equal(7, ReleaseTransitions.Promote(state).Next!.Revision);
        Assert.Equal(7, ReleaseTransitions.Rollback(state).Next!.Revision);
    }


    internal static ReleaseState Release(int weightBuckets) => new()
    {
        Name = "shop",
        Stable = "v1",
        Canary = "v2",
        CanaryBuckets = weightBuckets,
        Phase = ReleasePhase.Progressing,
        Revision = 1,
    };
}

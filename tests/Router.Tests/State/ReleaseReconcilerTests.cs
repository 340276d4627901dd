using Canary.Router.Configuration;
using Canary.Router.State;

namespace Canary.Router.Tests.State;

/// <summary>What each phase allows a router.json edit to do, on reload and at start (the same function).</summary>
public sealed class ReleaseReconcilerTests
{
    [Fact]
    public void Reconcile_NothingEdited_SameValue()
    {
        var state = Running(ReleasePhase.Progressing);

        var next = ReleaseReconciler.Reconcile(state, Options(weight: 10));

        Assert.True(next.Next.SameAs(state));
        Assert.Null(next.NotApplied);
    }

    [Theory]
    [InlineData("Progressing")]
    [InlineData("Paused")]
    public void Reconcile_WeightEditedWhileArmed_AppliesPhaseKept(string phase)
    {
        var next = ReleaseReconciler.Reconcile(Running(Enum.Parse<ReleasePhase>(phase)) with { CanaryBuckets = 4000 }, Options(weight: 25));

        Assert.Equal(2500, next.Next.CanaryBuckets);
        Assert.Equal(phase, next.Next.Phase.ToString());
        Assert.Null(next.NotApplied);
    }

    [Fact]
    public void Reconcile_WeightEditedAfterRollback_NotAppliedNotRearmedAndSaysWhy()
    {
        var rolledBack = ReleaseTransitions.Rollback(Running(ReleasePhase.Progressing)).Next!;

        var next = ReleaseReconciler.Reconcile(rolledBack, Options(weight: 25));

        Assert.Equal(0, next.Next.CanaryBuckets);
        Assert.Equal(ReleasePhase.RolledBack, next.Next.Phase);
        Assert.Contains("RolledBack", next.NotApplied, StringComparison.Ordinal);
        // The edit is seen: it is not applied by a later, unrelated reload either.
        Assert.Equal(25, next.Next.Origin.Weight);
        Assert.True(ReleaseReconciler.Reconcile(next.Next, Options(weight: 25)).Next.SameAs(next.Next));
    }

    [Fact]
    public void Reconcile_WeightEditedAfterSwitch_NotAppliedToTheOldVersion()
    {
        var switched = ReleaseTransitions.Switch(Running(ReleasePhase.Progressing)).Next!;

        var next = ReleaseReconciler.Reconcile(switched, Options(weight: 25));

        Assert.Equal(0, next.Next.CanaryBuckets);
        Assert.Equal("v2", next.Next.Stable);
        Assert.Equal(ReleasePhase.Switched, next.Next.Phase);
        Assert.Contains("Switched", next.NotApplied, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_WeightEditedAfterPromotion_StaysPromoted()
    {
        var promoted = ReleaseTransitions.Promote(Running(ReleasePhase.Progressing)).Next!;

        var next = ReleaseReconciler.Reconcile(promoted, Options(weight: 25));

        Assert.Equal(ReleasePhase.Promoted, next.Next.Phase);
        Assert.Equal("v2", next.Next.Stable);
        Assert.Null(next.Next.Canary);
    }

    [Fact]
    public void Reconcile_StepsAddedToProgressingRelease_StartAtTheFirst()
    {
        var next = ReleaseReconciler.Reconcile(Running(ReleasePhase.Progressing), Options(weight: 10) with { Steps = [new StepOptions(5, 60), new StepOptions(50, 60)] });

        Assert.Equal(0, next.Next.Step);
        Assert.Equal(500, next.Next.CanaryBuckets);
        Assert.Equal(ReleasePhase.Progressing, next.Next.Phase);
    }

    [Fact]
    public void Reconcile_StepsAddedAfterRollback_WaitForAnOperator()
    {
        var rolledBack = ReleaseTransitions.Rollback(Running(ReleasePhase.Progressing)).Next!;

        var next = ReleaseReconciler.Reconcile(rolledBack, Options(weight: 10) with { Steps = [new StepOptions(5, 60)] });

        Assert.Equal(-1, next.Next.Step);
        Assert.Equal(ReleasePhase.RolledBack, next.Next.Phase);
        Assert.Equal(0, ReleaseTransitions.Resume(next.Next).Next!.Step);
    }

    [Fact]
    public void Reconcile_StepsRemoved_StepStops()
    {
        var stepped = Running(ReleasePhase.Progressing) with { Steps = [new StepOptions(5, 60)], Step = 0 };

        Assert.Equal(-1, ReleaseReconciler.Reconcile(stepped, Options(weight: 10)).Next.Step);
    }

    [Fact]
    public void Reconcile_SegmentEdited_SettingsChangeWeightStays()
    {
        var state = Running(ReleasePhase.Progressing) with { CanaryBuckets = 4000 };
        var segment = new SegmentOptions { Name = "beta", Source = new UserKeySource(RequestValueKind.Header, "X-Beta"), Values = ["true"], Version = "v2" };

        var next = ReleaseReconciler.Reconcile(state, Options(weight: 10) with { Segments = [segment] });

        Assert.False(next.Next.SameAs(state));
        Assert.Equal(4000, next.Next.CanaryBuckets);
        Assert.Equal("beta", Assert.Single(next.Next.Segments).Name);
    }

    [Fact]
    public void SetWeight_AfterRollbackWithSteps_PausedWithNoStepSoResumeStartsOver()
    {
        var rolledBack = ReleaseTransitions.Rollback(Running(ReleasePhase.Progressing) with { Steps = [new StepOptions(5, 60), new StepOptions(50, 60)], Step = 1 }).Next!;

        var weighted = ReleaseTransitions.SetWeight(rolledBack, 3).Next!;

        Assert.Equal(ReleasePhase.Paused, weighted.Phase);
        Assert.Equal(-1, weighted.Step);
        Assert.Equal(300, weighted.CanaryBuckets);
        var resumed = ReleaseTransitions.Resume(weighted).Next!;
        Assert.Equal(0, resumed.Step);
        Assert.Equal(500, resumed.CanaryBuckets);
        Assert.Equal(ReleasePhase.Progressing, resumed.Phase);
    }

    [Fact]
    public void SetWeight_Switched_RefusedWithReason()
    {
        var switched = ReleaseTransitions.Switch(Running(ReleasePhase.Progressing)).Next!;

        var outcome = ReleaseTransitions.SetWeight(switched, 10);

        Assert.Null(outcome.Next);
        Assert.Contains("switch again", outcome.Refusal!.Reason, StringComparison.Ordinal);
    }

    private static ReleaseState Running(ReleasePhase phase) => ReleaseState.FromOptions(Options(weight: 10)) with { Phase = phase, Revision = 5 };

    private static ReleaseOptions Options(double weight) => StoreRig.Options("shop", weight: weight);
}

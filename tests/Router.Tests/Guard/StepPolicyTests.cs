using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.State;

namespace Canary.Router.Tests.Guard;

/// <summary>Canary steps as a pure function of the state, the last progress, the verdict and a fixed clock.</summary>
public sealed class StepPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Steps 10% then 50%, 60 s each, on the first step.</summary>
    private static ReleaseState Stepped(InconclusivePolicy onInconclusive = InconclusivePolicy.Hold) => new()
    {
        Name = "shop",
        Stable = "v1",
        Canary = "v2",
        CanaryBuckets = 1000,
        Phase = ReleasePhase.Progressing,
        Steps = [new StepOptions(10, 60), new StepOptions(50, 60)],
        Step = 0,
        OnInconclusive = onInconclusive,
    };

    private static StepProgress? Run(ReleaseState state, StepProgress? progress, VerdictKind verdict, TimeSpan at, out bool advance)
    {
        (var next, advance) = StepPolicy.Judge(state, progress, verdict, T0 + at);
        return next;
    }

    [Fact]
    public void Judge_HealthyForTheWholeHold_Advances()
    {
        var state = Stepped();

        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out var advance);
        Assert.False(advance);
        Assert.Equal(new StepProgress(0, T0), progress);

        progress = Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(30), out advance);
        Assert.False(advance);
        progress = Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(59.9), out advance);
        Assert.False(advance);
        Assert.Equal(T0, progress!.Value.HealthySince);

        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(60), out advance);
        Assert.True(advance);
    }

    [Fact]
    public void AdvancesAt_Counting_SinceHealthyPlusHold()
    {
        var state = Stepped();
        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.FromSeconds(5), out _)!.Value;

        Assert.Equal(T0 + TimeSpan.FromSeconds(65), StepPolicy.AdvancesAt(state, progress));
        Assert.Null(StepPolicy.AdvancesAt(state, progress with { HealthySince = null }));
    }

    [Fact]
    public void Judge_InconclusiveWithHold_NeverAdvances()
    {
        var state = Stepped(InconclusivePolicy.Hold);
        StepProgress? progress = null;

        foreach (var seconds in new[] { 0, 30, 60, 120, 3600 })
        {
            progress = Run(state, progress, VerdictKind.Inconclusive, TimeSpan.FromSeconds(seconds), out var advance);
            Assert.False(advance);
            Assert.Null(progress!.Value.HealthySince);
        }
    }

    [Fact]
    public void Judge_InconclusiveWithHold_HealthyTimeBeforeItDoesNotCount()
    {
        var state = Stepped(InconclusivePolicy.Hold);
        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out _);
        progress = Run(state, progress, VerdictKind.Inconclusive, TimeSpan.FromSeconds(50), out _);

        // Healthy again: the hold counts from here, not from T0.
        progress = Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(70), out var advance);
        Assert.False(advance);
        Assert.Equal(T0 + TimeSpan.FromSeconds(70), progress!.Value.HealthySince);

        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(129), out advance);
        Assert.False(advance);
        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(130), out advance);
        Assert.True(advance);
    }

    [Fact]
    public void Judge_InconclusiveWithAdvance_CountsAsHealthy()
    {
        var state = Stepped(InconclusivePolicy.Advance);

        var progress = Run(state, null, VerdictKind.Inconclusive, TimeSpan.Zero, out var advance);
        Assert.False(advance);
        Assert.Equal(T0, progress!.Value.HealthySince);

        // Mixed inconclusive and healthy verdicts keep one hold going.
        progress = Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(20), out advance);
        Assert.False(advance);
        Run(state, progress, VerdictKind.Inconclusive, TimeSpan.FromSeconds(60), out advance);
        Assert.True(advance);
    }

    [Fact]
    public void Judge_InconclusiveWithAdvance_BreachStillResets()
    {
        var state = Stepped(InconclusivePolicy.Advance);
        var progress = Run(state, null, VerdictKind.Inconclusive, TimeSpan.Zero, out _);

        progress = Run(state, progress, VerdictKind.Breach, TimeSpan.FromSeconds(59), out var advance);

        Assert.False(advance);
        Assert.Null(progress!.Value.HealthySince);
    }

    [Fact]
    public void Judge_Breach_HoldStartsOver()
    {
        var state = Stepped();
        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out _);

        progress = Run(state, progress, VerdictKind.Breach, TimeSpan.FromSeconds(59), out var advance);
        Assert.False(advance);
        Assert.Null(progress!.Value.HealthySince);

        progress = Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(61), out advance);
        Assert.False(advance);
        Assert.Equal(T0 + TimeSpan.FromSeconds(61), progress!.Value.HealthySince);
        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(120), out advance);
        Assert.False(advance);
        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(121), out advance);
        Assert.True(advance);
    }

    [Fact]
    public void Judge_Paused_HoldsAndStartsOverOnResume()
    {
        var state = Stepped();
        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out _);

        var paused = ReleaseTransitions.Pause(state).Next!;
        progress = Run(paused, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(30), out var advance);
        Assert.False(advance);
        Assert.Null(progress!.Value.HealthySince);
        progress = Run(paused, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(600), out advance);
        Assert.False(advance);

        var resumed = ReleaseTransitions.Resume(paused).Next!;
        progress = Run(resumed, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(601), out advance);
        Assert.False(advance);
        Assert.Equal(T0 + TimeSpan.FromSeconds(601), progress!.Value.HealthySince);
        Run(resumed, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(661), out advance);
        Assert.True(advance);
    }

    [Theory]
    [InlineData("Paused")]
    [InlineData("RolledBack")]
    [InlineData("Promoted")]
    [InlineData("Switched")]
    [InlineData("Stable")]
    public void Judge_NotProgressing_NeverAdvances(string phase)
    {
        var state = Stepped() with { Phase = Enum.Parse<ReleasePhase>(phase) };
        var progress = new StepProgress(0, T0 - TimeSpan.FromDays(1));

        var next = Run(state, progress, VerdictKind.Healthy, TimeSpan.Zero, out var advance);

        Assert.False(advance);
        Assert.Null(next!.Value.HealthySince);
    }

    [Fact]
    public void Judge_NoSteps_NeverAdvances()
    {
        var state = Stepped() with { Steps = [], Step = -1 };

        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out var advance);
        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromDays(1), out var later);

        Assert.False(advance);
        Assert.False(later);
    }

    [Fact]
    public void Judge_ProgressOfAnotherStep_StartsOver()
    {
        // The release moved on (or was reset) since the progress was taken: its hold does not carry over.
        var state = Stepped() with { Step = 1, CanaryBuckets = 5000 };
        var stale = new StepProgress(0, T0 - TimeSpan.FromHours(1));

        var progress = Run(state, stale, VerdictKind.Healthy, TimeSpan.Zero, out var advance);

        Assert.False(advance);
        Assert.Equal(new StepProgress(1, T0), progress);
    }

    [Fact]
    public void Judge_ZeroHold_AdvancesOnTheFirstHealthyVerdict()
    {
        var state = Stepped() with { Steps = [new StepOptions(10, 0), new StepOptions(50, 60)] };

        Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out var advance);

        Assert.True(advance);
    }

    [Fact]
    public void Judge_LastStep_AdvancesToPromotion()
    {
        var state = Stepped() with { Step = 1, CanaryBuckets = 5000 };
        var progress = Run(state, null, VerdictKind.Healthy, TimeSpan.Zero, out _);

        Run(state, progress, VerdictKind.Healthy, TimeSpan.FromSeconds(60), out var advance);
        var promoted = ReleaseTransitions.AdvanceStep(state, judgedStep: 1).Next!;

        Assert.True(advance);
        Assert.Equal(ReleasePhase.Promoted, promoted.Phase);
        Assert.Equal("v2", promoted.Stable);
        Assert.Null(promoted.Canary);
    }
}

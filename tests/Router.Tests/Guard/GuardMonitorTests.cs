using System.Text.Json.Nodes;
using Canary.Router.Guard;
using Canary.Router.State;

namespace Canary.Router.Tests.Guard;

/// <summary>
/// The guard end to end on a <see cref="Hosting.RouterCore"/> with a fake clock: finished requests go through the
/// real <see cref="Metrics.RequestRecorder"/> into the windows, and <see cref="GuardMonitor"/> applies the verdicts.
/// </summary>
public sealed class GuardMonitorTests
{
    private static JsonObject Guard(int windowSeconds = 5, int minRequests = 20, double maxErrorRate = 0.05, double maxP99Ms = 1000, bool enabled = true) => new()
    {
        ["Guard"] = new JsonObject
        {
            ["Enabled"] = enabled,
            ["WindowSeconds"] = windowSeconds,
            ["MinRequests"] = minRequests,
            ["MaxErrorRate"] = maxErrorRate,
            ["MaxP99Ms"] = maxP99Ms,
        },
    };

    [Fact]
    public void Record_AfterRollback_VerdictOnTheCleanWindow()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 25);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(VerdictKind.Inconclusive, rig.Monitor.Last(GuardRig.Release)!.Kind);
        Assert.Equal(5, rig.Monitor.Last(GuardRig.Release)!.Canary.Requests);
    }

    [Fact]
    public void Record_CanaryFailureCrossingThreshold_RolledBackOnThatResponse()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 30);

        // 1 of 31 is 0.032: within MaxErrorRate 0.05.
        rig.Send("v2", 500);
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(20, rig.State.Weight);

        // 2 of 32 is 0.0625: the recorder has the guard judge this very response, no timer needed.
        rig.Send("v2", 500);
        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(0, rig.State.Weight);
        Assert.Equal("v2", rig.State.Canary);
        Assert.Equal(VerdictKind.Breach, rig.Monitor.Last(GuardRig.Release)!.Kind);
    }

    [Fact]
    public void Evaluate_ErrorRateBreach_EventWithFiguresAndRollbackCounted()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 30);
        rig.Send("v2", 500, count: 2);

        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal("rollback", rollback.Action);
        Assert.Equal(GuardVerdict.ErrorRateReason, rollback.Code);
        Assert.Equal(20, rollback.Before!.Weight);
        Assert.Equal(ReleasePhase.Progressing, rollback.Before.Phase);
        Assert.Equal(0, rollback.After!.Weight);
        Assert.Equal(ReleasePhase.RolledBack, rollback.After.Phase);
        Assert.Contains("above MaxErrorRate 0.05", rollback.Reason, StringComparison.Ordinal);

        var figures = rollback.Figures!;
        Assert.Equal(32, figures["canaryRequests"]);
        Assert.Equal(2, figures["canaryServerErrors"]);
        Assert.Equal(0, figures["canaryTransportErrors"]);
        Assert.Equal(0.0625, figures["canaryErrorRate"]);
        Assert.Equal(100, figures["stableRequests"]);
        Assert.Equal(0, figures["stableErrorRate"]);
        Assert.Equal(0.05, figures["maxErrorRate"]);
        Assert.Equal(20, figures["minRequests"]);
        Assert.Equal(5, figures["windowSeconds"]);
        Assert.Equal(1000, figures["maxP99Ms"]);
        Assert.True(figures.ContainsKey("maxErrorRateAboveStable"));
        Assert.True(figures.ContainsKey("canaryP99Ms"));
        Assert.True(figures.ContainsKey("stableP99Ms"));

        Assert.Equal(1, rig.Rollbacks(GuardVerdict.ErrorRateReason));
        Assert.Equal(0, rig.Rollbacks(GuardVerdict.LatencyReason));
        Assert.Equal(0, rig.Core.Metrics.Weight.WithLabels(GuardRig.Release).Value);
    }

    [Fact]
    public void Evaluate_MoreFailuresAfterRollback_RolledBackOnce()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 20);
        var revision = rig.State.Revision;

        // Requests that were in flight at the rollback still finish, and fail.
        rig.Send("v2", 500, count: 50);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(revision, rig.State.Revision);
        Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal(1, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public void Evaluate_AfterRollback_CanaryWindowStartsClean()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v2", 500, count: 20);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(0, rig.Core.Windows.For(GuardRig.Release, "v2").Read(rig.NowSecond, 5).Requests);
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(5, false)]
    public void Evaluate_FailuresAfterQuietSeconds_OldSuccessesCountOnlyInsideWindow(int secondsLater, bool rolledBack)
    {
        using var rig = GuardRig.Start(Guard(windowSeconds: 5));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 100);

        // 10 failures: with the 100 successes still in the window, 10 of 110 (0.09) is a breach; once they have
        // dropped out, 10 requests are fewer than MinRequests and nothing is judged.
        rig.Time.Advance(TimeSpan.FromSeconds(secondsLater));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 10);

        Assert.Equal(rolledBack ? ReleasePhase.RolledBack : ReleasePhase.Progressing, rig.State.Phase);
        if (rolledBack)
        {
            // 6 of 106 (0.057) is the first breach.
            Assert.Equal(106, Assert.Single(rig.Events(Actor.Guard)).Figures!["canaryRequests"]);
        }
        else
        {
            Assert.Equal(VerdictKind.Inconclusive, rig.Monitor.Last(GuardRig.Release)!.Kind);
            Assert.Equal(10, rig.Monitor.Last(GuardRig.Release)!.Canary.Requests);
        }
    }

    [Fact]
    public void Evaluate_FewerThanMinRequests_InconclusiveNoRollback()
    {
        using var rig = GuardRig.Start(Guard(minRequests: 20));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 19);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(20, rig.State.Weight);
        Assert.Equal(VerdictKind.Inconclusive, rig.Monitor.Last(GuardRig.Release)!.Kind);
        Assert.Empty(rig.Events(Actor.Guard));
        Assert.Equal(0, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public void Evaluate_BothVersionsFailingEqually_NoRollback()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 503, count: 100);
        rig.Send("v2", 503, count: 50);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(1.0, rig.Monitor.Last(GuardRig.Release)!.Canary.ErrorRate);
        Assert.Equal(VerdictKind.Healthy, rig.Monitor.Last(GuardRig.Release)!.Kind);
        Assert.Equal(1.0, rig.Core.Metrics.GuardErrorRate.WithLabels(GuardRig.Release, "v2").Value);
        Assert.Equal(1.0, rig.Core.Metrics.GuardErrorRate.WithLabels(GuardRig.Release, "v1").Value);
    }

    [Fact]
    public void Evaluate_StableBelowMinRequests_AbsoluteThresholdRollsBack()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 503, count: 10);
        rig.Send("v2", 503, count: 20);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Contains("stable has too little traffic", Assert.Single(rig.Events(Actor.Guard)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ClientErrorsOnly_NotFailures()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v2", 404, count: 50);
        rig.Send("v2", 499, count: 50);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.ErrorRate);
    }

    [Fact]
    public void Evaluate_SlowCanary_RolledBackForLatency()
    {
        using var rig = GuardRig.Start(Guard(maxP99Ms: 500));
        rig.Send("v1", 200, count: 100, milliseconds: 20);
        rig.Send("v2", 200, count: 30, milliseconds: 900);

        // Slow successes do not trigger a judgement by themselves: the periodic evaluation does.
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal(GuardVerdict.LatencyReason, rollback.Code);
        Assert.InRange(rollback.Figures!["canaryP99Ms"], 900, 900 * 1.215);
        Assert.InRange(rollback.Figures["stableP99Ms"], 20, 20 * 1.215);
        Assert.Equal(500, rollback.Figures["maxP99Ms"]);
        Assert.Equal(1, rig.Rollbacks(GuardVerdict.LatencyReason));
        Assert.Equal(0, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public async Task GuardService_TimerOnTheRoutersClock_JudgesLatency()
    {
        // A long window: the fake clock moves a period at a time below until the service's loop (on a thread of its own) has run.
        using var rig = GuardRig.Start(Guard(windowSeconds: 60, maxP99Ms: 500));
        using var service = new GuardService(rig.Monitor, rig.Time);
        await service.StartAsync(CancellationToken.None);
        try
        {
            rig.Send("v2", 200, count: 30, milliseconds: 900);
            Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);

            // Nothing but the timer judges slow successes, and it ticks only when the router's clock moves.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (rig.State.Phase != ReleasePhase.RolledBack && DateTime.UtcNow < deadline)
            {
                rig.Time.Advance(GuardService.Period);
                await Task.Delay(20);
            }

            Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
            Assert.Equal(GuardVerdict.LatencyReason, Assert.Single(rig.Events(Actor.Guard)).Code);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Record_RollbackCannotBePersisted_EffectiveAtOnceAndWrittenOnceTheDiskAllows()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 30);

        // The state file cannot be written (a folder stands where it is renamed to): the rollback must not wait for it.
        var path = rig.Core.StateFile.Path;
        File.Delete(path);
        var blocker = Directory.CreateDirectory(path);
        var thrown = Record.Exception(() => rig.Send("v2", 500, count: 5));
        Assert.Null(thrown);
        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.True(rig.Core.Store.Unwritten);
        Assert.True(rig.Core.Metrics.StateWriteFailures.Value >= 1);

        // Once it can be written again, the rollback reaches the disk.
        blocker.Delete();
        Assert.True(rig.Core.Store.Flush());
        Assert.Contains("\"RolledBack\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardService_RollbackCannotBePersisted_RollsBackAtOnceAndKeepsJudging()
    {
        using var rig = GuardRig.Start(Guard(windowSeconds: 60, maxP99Ms: 500));
        using var service = new GuardService(rig.Monitor, rig.Time);
        var path = rig.Core.StateFile.Path;
        File.Delete(path);
        Directory.CreateDirectory(path);
        await service.StartAsync(CancellationToken.None);
        try
        {
            rig.Send("v2", 200, count: 30, milliseconds: 900);

            // Ticks while the state cannot be written: the breach is judged and the rollback is in effect regardless.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (rig.State.Phase != ReleasePhase.RolledBack && DateTime.UtcNow < deadline && service.ExecuteTask is { IsCompleted: false })
            {
                rig.Time.Advance(GuardService.Period);
                await Task.Delay(20);
            }

            Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
            Assert.True(rig.Core.Store.Unwritten);
            rig.Time.Advance(GuardService.Period);
            await Task.Delay(50);
            Assert.False(service.ExecuteTask!.IsCompleted, $"the guard's loop ended: {service.ExecuteTask.Exception?.InnerException?.Message}");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Evaluate_GuardDisabled_JudgesButNeverRollsBack()
    {
        using var rig = GuardRig.Start(Guard(enabled: false));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 100);
        rig.Monitor.EvaluateAll();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(VerdictKind.Breach, rig.Monitor.Last(GuardRig.Release)!.Kind);
        Assert.Empty(rig.Events(Actor.Guard));
    }

    [Fact]
    public void Evaluate_PausedRelease_StillRolledBack()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Core.Store.Apply(GuardRig.Release, ReleaseTransitions.Pause, new ChangeCause(Actor.Operator, "pause", "operator", "test"));

        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 20);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
    }

    [Fact]
    public void Evaluate_OperatorRolledBackAlready_GuardChangesNothing()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v2", 200, count: 30);
        rig.Core.Store.Apply(GuardRig.Release, ReleaseTransitions.Rollback, new ChangeCause(Actor.Operator, "rollback", "operator", "test"));

        rig.Send("v2", 500, count: 30);

        Assert.Empty(rig.Events(Actor.Guard));
        Assert.Equal(1, rig.Rollbacks("operator"));
        Assert.Equal(0, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public void Evaluate_RolledBackRelease_SegmentToCanaryHeldOff()
    {
        using var rig = GuardRig.Start(Guard());
        var beta = Assert.Single(rig.State.Segments);
        Assert.True(rig.State.IsActive(beta));

        rig.Send("v2", 500, count: 20);

        Assert.False(rig.State.IsActive(beta));
    }

    [Fact]
    public void Evaluate_StepsHealthyForEachHold_AdvanceThenPromote()
    {
        var release = Guard(windowSeconds: 10, minRequests: 5);
        release["Steps"] = new JsonArray(
            new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 60 },
            new JsonObject { ["Weight"] = 50, ["HoldSeconds"] = 60 });
        release["Weight"] = 10;
        using var rig = GuardRig.Start(release);
        Assert.Equal(0, rig.State.Step);
        Assert.Equal(10, rig.State.Weight);

        // Traffic every 10 s, the guard judging after each batch.
        void Healthy(int seconds)
        {
            for (var elapsed = 0; elapsed < seconds; elapsed += 10)
            {
                rig.Send("v1", 200, count: 10);
                if (rig.State.Canary is not null)
                {
                    rig.Send(rig.State.Canary, 200, count: 10);
                }

                rig.Monitor.EvaluateAll();
                rig.Time.Advance(TimeSpan.FromSeconds(10));
            }
        }

        Healthy(60);
        Assert.Equal(0, rig.State.Step);
        Assert.Equal(10, rig.State.Weight);

        Healthy(10);
        Assert.Equal(1, rig.State.Step);
        Assert.Equal(50, rig.State.Weight);
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);

        Healthy(60);
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Healthy(10);
        Assert.Equal(ReleasePhase.Promoted, rig.State.Phase);
        Assert.Equal("v2", rig.State.Stable);
        Assert.Null(rig.State.Canary);
        rig.Monitor.EvaluateAll();
        Assert.Null(rig.Monitor.Last(GuardRig.Release));

        var steps = rig.Events(Actor.Steps);
        Assert.Equal(["step", "promote"], steps.Select(e => e.Action));
        Assert.All(steps, e => Assert.Equal("healthy", e.Code));
        Assert.Equal((10.0, 50.0), (steps[0].Before!.Weight, steps[0].After!.Weight));
        Assert.Equal(ReleasePhase.Promoted, steps[1].After!.Phase);
        Assert.Equal("v2", steps[1].After!.Stable);
        Assert.All(steps, e => Assert.Equal(5, e.Figures!["minRequests"]));
        Assert.All(steps, e => Assert.True(e.Figures!["canaryRequests"] >= 5));
    }

    [Fact]
    public void Evaluate_StepsWithoutTraffic_HoldWhenInconclusive()
    {
        var release = Guard(windowSeconds: 10, minRequests: 5);
        release["Steps"] = new JsonArray(new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 60 });
        using var rig = GuardRig.Start(release);

        for (var i = 0; i < 30; i++)
        {
            rig.Monitor.EvaluateAll();
            rig.Time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(0, rig.State.Step);
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Empty(rig.Events(Actor.Steps));
    }

    [Fact]
    public void Evaluate_StepsWithoutTrafficOnAdvance_Promoted()
    {
        var release = Guard(windowSeconds: 10, minRequests: 5);
        release["Steps"] = new JsonArray(new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 60 });
        release["OnInconclusive"] = "Advance";
        using var rig = GuardRig.Start(release);

        for (var i = 0; i <= 6; i++)
        {
            rig.Monitor.EvaluateAll();
            rig.Time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(ReleasePhase.Promoted, rig.State.Phase);
        Assert.Equal("inconclusive", Assert.Single(rig.Events(Actor.Steps)).Code);
    }

    [Fact]
    public void Evaluate_StepBreached_RolledBackNotAdvanced_ResumeStartsOver()
    {
        var release = Guard(windowSeconds: 10, minRequests: 5);
        release["Steps"] = new JsonArray(
            new JsonObject { ["Weight"] = 10, ["HoldSeconds"] = 0 },
            new JsonObject { ["Weight"] = 50, ["HoldSeconds"] = 60 });
        using var rig = GuardRig.Start(release);
        rig.Send("v1", 200, count: 50);
        rig.Send("v2", 200, count: 10);
        rig.Monitor.EvaluateAll();
        Assert.Equal(1, rig.State.Step);

        rig.Send("v2", 500, count: 10);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(0, rig.State.Weight);
        rig.Monitor.EvaluateAll();
        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);

        rig.Core.Store.Apply(GuardRig.Release, ReleaseTransitions.Resume, new ChangeCause(Actor.Operator, "resume", "operator", "test"));
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.State.Step);
        Assert.Equal(10, rig.State.Weight);
    }
}

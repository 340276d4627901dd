using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Tests.Guard;

/// <summary>
/// The guard end to end on a <see cref="Hosting.RouterCore"/> with a fake clock: finished requests go through the
/// real <see cref="Metrics.RequestRecorder"/> (and its response transforms) into the running totals, and
/// <see cref="GuardMonitor"/> judges them as the guard loop does and applies the verdicts.
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

    /// <summary>A round of traffic at the release's 20%: 8 stable requests, 2 canary ones with the given status.</summary>
    private static void Round(GuardRig rig, int canaryStatus, int stableStatus = 200)
    {
        rig.Send("v1", stableStatus, count: 8);
        rig.Send("v2", canaryStatus, count: 2);
    }

    [Fact]
    public void Record_DeadCanary_RolledBackAfterAHandfulOfFailedRequests()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);

        var failed = FailUntilRolledBack(rig);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.InRange(failed, 1, 6);
        Assert.Equal(0, rig.State.Weight);
        Assert.Equal("v2", rig.State.Canary);
        Assert.Equal(VerdictKind.Breach, rig.Monitor.Last(GuardRig.Release)!.Kind);
    }

    [Fact]
    public void Record_DeadCanaryAfterMinutesIdle_RolledBackAfterAHandfulOfFailedRequests()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 20);
        var verdict = Idle(rig, TimeSpan.FromMinutes(3));

        // Nothing moved for longer than the histories: the loop stopped judging it, and the verdict stayed.
        Assert.Same(verdict, rig.Monitor.Last(GuardRig.Release));
        var failed = FailUntilRolledBack(rig);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.InRange(failed, 1, 6);
    }

    [Fact]
    public void Tick_IdleReleasePromotedByAnOperator_JudgedAgain()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v2", 200, count: 10);
        Idle(rig, TimeSpan.FromMinutes(3));
        Assert.NotNull(rig.Monitor.Last(GuardRig.Release));

        // The same totals, a new state: the loop looks again at once, and a release with no canary has no verdict.
        rig.Core.Store.Apply(GuardRig.Release, ReleaseTransitions.Promote, new ChangeCause(Actor.Operator, "promote", "promote", "test"));
        rig.Tick();

        Assert.Null(rig.Monitor.Last(GuardRig.Release));
    }

    /// <summary>The guard loop's ticks over <paramref name="idle"/> with no traffic; the verdict after them.</summary>
    private static GuardVerdict Idle(GuardRig rig, TimeSpan idle)
    {
        for (var waited = TimeSpan.Zero; waited < idle; waited += GuardService.Period)
        {
            rig.Time.Advance(GuardService.Period);
            rig.Tick();
        }

        return rig.Monitor.Last(GuardRig.Release)!;
    }

    [Fact]
    public void Record_DeadCanaryWithoutStableTraffic_RolledBackAfterAHandfulOfFailedRequests()
    {
        using var rig = GuardRig.Start(Guard(windowSeconds: 600, minRequests: 5));
        rig.Tick();
        var failed = 0;
        while (rig.State.Phase != ReleasePhase.RolledBack && failed < 100)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(5));
            rig.Send("v2", 500);
            failed++;
        }

        Assert.InRange(failed, 1, 5);
    }

    [Fact]
    public void Record_FewFailuresWithinMaxErrorRate_NoRollback()
    {
        using var rig = GuardRig.Start(Guard());

        // 2 of 40 canary requests (5%) fail, at MaxErrorRate: never a reason to roll back, however often judged.
        for (var i = 0; i < 20; i++)
        {
            Round(rig, i % 20 == 0 ? 500 : 200);
        }

        rig.Send("v2", 500);
        rig.Tick();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Empty(rig.Events(Actor.Guard));
    }

    [Fact]
    public void Evaluate_ErrorRateBreach_EventWithEvidenceAndRollbackCounted()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 30);
        rig.Send("v2", 500, count: 10);

        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal("rollback", rollback.Action);
        Assert.Equal(GuardVerdict.ErrorRateReason, rollback.Code);
        Assert.Equal(20, rollback.Before!.Weight);
        Assert.Equal(ReleasePhase.Progressing, rollback.Before.Phase);
        Assert.Equal(0, rollback.After!.Weight);
        Assert.Equal(ReleasePhase.RolledBack, rollback.After.Phase);
        Assert.Contains("of 200 needed", rollback.Reason, StringComparison.Ordinal);
        Assert.Contains("MaxErrorRate 0.05 and stable's rate", rollback.Reason, StringComparison.Ordinal);

        var figures = rollback.Figures!;
        Assert.Equal(40, figures["canaryRequests"]);
        Assert.Equal(10, figures["canaryServerErrors"]);
        Assert.Equal(0, figures["canaryTransportErrors"]);
        Assert.Equal(0.25, figures["canaryErrorRate"]);
        Assert.Equal(100, figures["stableRequests"]);
        Assert.Equal(0, figures["stableErrorRate"]);
        Assert.Equal(200, figures["evidenceNeeded"]);
        Assert.True(figures["errorEvidence"] >= 200);
        Assert.Equal(1, figures["comparedWithStable"]);
        Assert.Equal(0.01, figures["falseRollbackRate"]);
        Assert.Equal(0.05, figures["maxErrorRate"]);
        Assert.Equal(20, figures["minRequests"]);
        Assert.Equal(5, figures["windowSeconds"]);
        Assert.Equal(1000, figures["maxP99Ms"]);
        Assert.True(figures.ContainsKey("maxErrorRateAboveStable"));
        Assert.True(figures.ContainsKey("secondsToDetectDoubledErrorRate"));

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
        rig.Tick();

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(revision, rig.State.Revision);
        Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal(1, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public void Evaluate_AfterRollbackAndNewAttempt_EvidenceStartsOver()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 500, count: 20);
        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);

        rig.Core.Store.Apply(GuardRig.Release, s => ReleaseTransitions.SetWeight(s, 20), new ChangeCause(Actor.Operator, "weight", "operator", "test"));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 30);
        rig.Tick();

        var verdict = rig.Monitor.Last(GuardRig.Release)!;
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.True(verdict.ErrorEvidence <= 1, $"evidence {verdict.ErrorEvidence} carried over from the attempt that was rolled back");
    }

    [Fact]
    public void Evaluate_FewerThanMinRequests_Inconclusive_WithTheTimeToDetectADoubledRate()
    {
        using var rig = GuardRig.Start(Guard(minRequests: 20));
        rig.Send("v1", 200, count: 100);
        rig.Send("v2", 200, count: 19);
        rig.Tick();

        var verdict = rig.Monitor.Last(GuardRig.Release)!;
        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.StartsWith("too little data: canary served 19 requests in 5s", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("a doubled error rate takes about", verdict.Explanation, StringComparison.Ordinal);
        Assert.NotNull(verdict.SecondsToDetectDoubled);
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
    }

    [Fact]
    public void Evaluate_BothVersionsFailingEqually_NoRollback()
    {
        using var rig = GuardRig.Start(Guard());
        for (var i = 0; i < 25; i++)
        {
            Round(rig, 503, stableStatus: 503);
        }

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(1.0, rig.Monitor.Last(GuardRig.Release)!.Canary.ErrorRate);
        Assert.Equal(VerdictKind.Healthy, rig.Monitor.Last(GuardRig.Release)!.Kind);
        Assert.Equal(1.0, rig.Core.Metrics.GuardErrorRate.WithLabels(GuardRig.Release, "v2").Value);
        Assert.Equal(1.0, rig.Core.Metrics.GuardErrorRate.WithLabels(GuardRig.Release, "v1").Value);
    }

    [Fact]
    public void Evaluate_StableBelowMinRequests_JudgedAgainstMaxErrorRateAlone()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 503, count: 10);
        rig.Send("v2", 503, count: 20);

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Contains("MaxErrorRate 0.05 alone", rollback.Reason, StringComparison.Ordinal);
        Assert.Equal(0, rollback.Figures!["comparedWithStable"]);
    }

    [Fact]
    public void Evaluate_ClientErrorsOnly_NotFailures()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v2", 404, count: 50);
        rig.Send("v2", 499, count: 50);
        rig.Tick();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.ErrorRate);
    }

    [Fact]
    public void Evaluate_GrpcServerFailuresInTrailers_CountAsFailures()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100, contentType: "application/grpc", grpcStatus: "0");
        rig.Send("v2", 200, count: 20, contentType: "application/grpc", grpcStatus: "13");

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal(20, rollback.Figures!["canaryGrpcErrors"]);
    }

    [Fact]
    public void Evaluate_GrpcClientStatuses_NotFailures()
    {
        using var rig = GuardRig.Start(Guard());
        rig.Send("v1", 200, count: 100, contentType: "application/grpc", grpcStatus: "0");
        rig.Send("v2", 200, count: 50, contentType: "application/grpc", grpcStatus: "5"); // NOT_FOUND
        rig.Send("v2", 200, count: 50, contentType: "application/grpc", grpcStatus: "3"); // INVALID_ARGUMENT
        rig.Tick();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.Failures);
    }

    [Fact]
    public void Evaluate_SlowCanary_RolledBackForLatency()
    {
        using var rig = GuardRig.Start(Guard(maxP99Ms: 500));
        rig.Send("v1", 200, count: 100, milliseconds: 20);
        rig.Send("v2", 200, count: 30, milliseconds: 900);

        // Slow successes do not wake the guard: its tick judges them.
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        rig.Tick();

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        var rollback = Assert.Single(rig.Events(Actor.Guard));
        Assert.Equal(GuardVerdict.LatencyReason, rollback.Code);
        Assert.Equal(30, rollback.Figures!["canarySlow"]);
        Assert.Equal(30, rollback.Figures["canaryLatencySamples"]);
        Assert.Equal(0, rollback.Figures["stableSlow"]);
        Assert.Equal(500, rollback.Figures["maxP99Ms"]);
        Assert.Equal(1, rig.Rollbacks(GuardVerdict.LatencyReason));
        Assert.Equal(0, rig.Rollbacks(GuardVerdict.ErrorRateReason));
    }

    [Fact]
    public void Evaluate_BothVersionsEquallySlow_NoRollback()
    {
        using var rig = GuardRig.Start(Guard(maxP99Ms: 500));
        for (var i = 0; i < 20; i++)
        {
            rig.Send("v1", 200, count: 8, milliseconds: 900);
            rig.Send("v2", 200, count: 2, milliseconds: 900);
            rig.Tick();
        }

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.True(rig.Monitor.Last(GuardRig.Release)!.SlowEvidence <= 1);
    }

    [Fact]
    public void Evaluate_SlowUploadsToTheCanary_NotLatencySamplesButStillCounted()
    {
        using var rig = GuardRig.Start(Guard(maxP99Ms: 500));
        rig.Send("v1", 200, count: 100, milliseconds: 20);
        rig.Send("v2", 200, count: 50, milliseconds: 60_000, withBody: true);
        rig.Tick();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.Samples);
        Assert.Equal(50, rig.Monitor.Last(GuardRig.Release)!.Canary.Requests);
    }

    [Theory]
    [InlineData("text/event-stream", 200)]
    [InlineData(null, 101)]
    [InlineData("application/grpc", 200)]
    public void Evaluate_LongStreamsAndUpgrades_NotLatencySamples(string? contentType, int status)
    {
        using var rig = GuardRig.Start(Guard(maxP99Ms: 500));
        rig.Send("v1", 200, count: 100, milliseconds: 20);
        rig.Send("v2", status, count: 50, milliseconds: 60_000, contentType: contentType);
        rig.Tick();

        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.Samples);
        Assert.Equal(50, rig.Monitor.Last(GuardRig.Release)!.Canary.Requests);
    }

    [Fact]
    public async Task GuardService_SlowCanary_JudgedOnItsTick()
    {
        using var rig = GuardRig.Start(Guard(windowSeconds: 60, maxP99Ms: 500));
        using var service = new GuardService(rig.Monitor, rig.Core.Signal);
        await service.StartAsync(CancellationToken.None);
        try
        {
            rig.Send("v1", 200, count: 100, milliseconds: 20);
            rig.Send("v2", 200, count: 30, milliseconds: 900);

            // Slow successes poke nothing: the loop's tick (every 100 ms) judges them. The new state is published before
            // the decision log (an observer) records it, so wait for the event, the last of the two.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (rig.Events(Actor.Guard).Count == 0 && DateTime.UtcNow < deadline)
            {
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
    public async Task FailureSignal_Poked_WakesTheWaitBeforeItsTimeout()
    {
        using var signal = new Canary.Router.Metrics.FailureSignal();
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None));

        signal.Poke();
        signal.Poke(); // Many pokes before a wake make one wake.
        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await signal.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None));
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
        var thrown = Record.Exception(() => rig.Send("v2", 500, count: 10));
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
        using var service = new GuardService(rig.Monitor, rig.Core.Signal);
        var path = rig.Core.StateFile.Path;
        File.Delete(path);
        Directory.CreateDirectory(path);
        await service.StartAsync(CancellationToken.None);
        try
        {
            rig.Send("v1", 200, count: 100, milliseconds: 20);
            rig.Send("v2", 200, count: 30, milliseconds: 900);

            // Ticks while the state cannot be written: the breach is judged and the rollback is in effect regardless.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            // (The state is published before its write is tried, so wait for both.)
            while (!(rig.State.Phase == ReleasePhase.RolledBack && rig.Core.Store.Unwritten) && DateTime.UtcNow < deadline && service.ExecuteTask is { IsCompleted: false })
            {
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

        // The failures are compared with stable once stable has served alongside them; at 50% a dead canary takes
        // more failures than at 10% (each is less surprising), 20 here.
        rig.Send("v2", 500, count: 20);
        rig.Send("v1", 200, count: 20);
        rig.Tick();

        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
        Assert.Equal(0, rig.State.Weight);
        rig.Monitor.EvaluateAll();
        Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);

        rig.Core.Store.Apply(GuardRig.Release, ReleaseTransitions.Resume, new ChangeCause(Actor.Operator, "resume", "operator", "test"));
        Assert.Equal(ReleasePhase.Progressing, rig.State.Phase);
        Assert.Equal(0, rig.State.Step);
        Assert.Equal(10, rig.State.Weight);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void EvaluateAll_RandomCountStreams_SameVerdictsAsJudgingEveryLook(int seed)
    {
        // The loop reuses a release's verdict while what it is judged on is unchanged; this is the loop without that,
        // judged on every look (as it was before), over bursts, failures, slow responses and idle stretches long
        // enough for the window to empty, through rollbacks and re-armed canaries.
        using var rig = GuardRig.Start(Guard(windowSeconds: 5, minRequests: 10, maxErrorRate: 0.05));
        var random = new Random(seed);
        var options = rig.State.Guard;
        var canaryCounts = rig.Core.Counters.For(GuardRig.Release, "v2");
        var stableCounts = rig.Core.Counters.For(GuardRig.Release, "v1");
        var canaryHistory = new CountHistory(GuardMonitor.FiguresSeconds);
        var stableHistory = new CountHistory(GuardMonitor.FiguresSeconds);
        (long Born, CountSnapshot Canary, CountSnapshot Stable, GuardEvidence Evidence)? life = null;
        var seen = new HashSet<VerdictKind>();
        var rollbacks = 0;
        var canaryErrorRate = 0.02;
        for (var look = 0; look < 4000; look++)
        {
            if (random.Next(200) == 0)
            {
                canaryErrorRate = random.Next(3) switch { 0 => 0.02, 1 => 0.3, _ => 1 };
            }

            var idle = look % 600 >= 300 || random.Next(4) == 0;
            for (var i = idle ? 0 : random.Next(6); i > 0; i--)
            {
                Count(stableCounts, random, 0.02);
                if (random.Next(3) == 0)
                {
                    Count(canaryCounts, random, canaryErrorRate);
                }
            }

            if (rig.State.Phase == ReleasePhase.RolledBack && random.Next(50) == 0)
            {
                rig.Core.Store.Apply(GuardRig.Release, s => ReleaseTransitions.SetWeight(s, 20), new ChangeCause(Actor.Operator, "weight", "operator", "test"));
            }

            rig.Time.Advance(TimeSpan.FromMilliseconds(random.Next(3) == 0 ? random.Next(1, 1500) : 100));
            var phase = rig.State.Phase;
            rig.Monitor.EvaluateAll();

            var now = rig.Time.GetTimestamp();
            var second = now / rig.Time.TimestampFrequency;
            var canary = canaryCounts.Fleet();
            var stable = stableCounts.Fleet();
            canaryHistory.Keep(second, canary);
            stableHistory.Keep(second, stable);
            var ended = phase is ReleasePhase.RolledBack or ReleasePhase.Promoted;
            var (born, lastCanary, lastStable, evidence) = life ?? (now, default, default, GuardEvidence.None);
            life = ended
                ? (now, canary, stable, GuardEvidence.None)
                : (born, canary, stable, GuardPolicy.Add(options, evidence, canary.Minus(lastCanary), stable.Minus(lastStable), rig.Time.GetElapsedTime(born, now).TotalSeconds));
            var expected = GuardPolicy.Judge(options, life.Value.Evidence, canaryHistory.Window(second, options.WindowSeconds, canary), stableHistory.Window(second, options.WindowSeconds, stable));
            if (expected.Kind == VerdictKind.Breach && !ended)
            {
                life = life.Value with { Born = now, Evidence = GuardEvidence.None };
                rollbacks++;
                Assert.Equal(ReleasePhase.RolledBack, rig.State.Phase);
            }

            Assert.Equal(expected, rig.Monitor.Last(GuardRig.Release));
            Assert.Equal(canaryHistory.Complete(second, 10, canary), rig.Monitor.Figures(GuardRig.Release, "v2", 10));
            seen.Add(expected.Kind);
        }

        Assert.Equal([VerdictKind.Inconclusive, VerdictKind.Healthy, VerdictKind.Breach], seen.Order());
        Assert.Equal(rollbacks, rig.Events(Actor.Guard).Count);
    }

    [Fact]
    public void EvaluateAll_IdleRelease_VerdictReusedUntilTheWindowMoves()
    {
        using var rig = GuardRig.Start(Guard(windowSeconds: 5, minRequests: 10));
        Round(rig, 200);
        rig.Tick();
        var judged = rig.Monitor.Last(GuardRig.Release)!;

        rig.Time.Advance(TimeSpan.FromMilliseconds(100));
        rig.Tick();
        Assert.Same(judged, rig.Monitor.Last(GuardRig.Release));

        // Once the round's second leaves the window, the figures change and so does the verdict's wording.
        rig.Time.Advance(TimeSpan.FromSeconds(6));
        rig.Tick();
        rig.Time.Advance(TimeSpan.FromSeconds(6));
        rig.Tick();
        Assert.NotSame(judged, rig.Monitor.Last(GuardRig.Release));
        Assert.Equal(0, rig.Monitor.Last(GuardRig.Release)!.Canary.Requests);
    }

    [Fact]
    public void EvaluateAll_AnotherReplicasSuccessesArriveAfterAFailure_JudgedWhereTheyHappened()
    {
        // One process, and two replicas that each count part of the same traffic and hear of the other's part late.
        using var one = GuardRig.Start(Guard());
        using var placed = GuardRig.Start(Guard());
        using var late = GuardRig.Start(Guard());
        GuardRig[] rigs = [one, placed, late];
        foreach (var rig in rigs)
        {
            // Three healthy seconds, judged every 100 ms, so a canary that breaks now is told from one broken all along.
            for (var look = 0; look < 30; look++)
            {
                rig.Send("v1", 200, count: 40);
                rig.Send("v2", 200, count: 8);
                rig.Tick();
                rig.Time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        // The other replica's share: 20 stable and 6 canary successes, counted 5 ms before the canary's first failure.
        var canary = one.Core.Counters.For(GuardRig.Release, "v2");
        var stable = one.Core.Counters.For(GuardRig.Release, "v1");
        var (canaryBefore, stableBefore) = (canary.Snapshot(), stable.Snapshot());
        one.Send("v1", 200, count: 20);
        one.Send("v2", 200, count: 6);
        var share = (Canary: canary.Snapshot().Minus(canaryBefore), Stable: stable.Snapshot().Minus(stableBefore));
        var stamp = PeerSteps.Stamp(one.Time);
        foreach (var rig in rigs)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(5));
            rig.Send("v2", 500);
        }

        // Their push arrives after the failure was judged: stamped when they were counted, or (late) just after the failure.
        Hear(placed, stamp, share.Canary, share.Stable);
        Hear(late, PeerSteps.Stamp(late.Time) + 1, share.Canary, share.Stable);
        foreach (var rig in rigs)
        {
            rig.Tick();
            for (var i = 0; i < 3; i++)
            {
                rig.Time.Advance(TimeSpan.FromMilliseconds(10));
                rig.Send("v2", 500);
            }
        }

        // Placed where they happened, the replica's evidence is the one process's to the last digit; placed where
        // they arrived, the successes dilute the failures before them.
        var evidence = rigs.Select(r => r.Monitor.Last(GuardRig.Release)!).ToList();
        Assert.All(evidence, v => Assert.Equal(VerdictKind.Healthy, v.Kind));
        Assert.Equal(evidence[0].Canary, evidence[1].Canary);
        Assert.Equal(evidence[0].ErrorEvidence, evidence[1].ErrorEvidence);
        Assert.True(evidence[2].ErrorEvidence < evidence[1].ErrorEvidence / 2, $"late {evidence[2].ErrorEvidence}, placed {evidence[1].ErrorEvidence}");
    }

    // What a replica's loop does with another replica's push: the others' counts, stamped, into the guard's totals.
    private static void Hear(GuardRig rig, long stamp, CountSnapshot canary, CountSnapshot stable)
    {
        rig.Core.Counters.For(GuardRig.Release, "v2").PeerSteps = new PeerSteps(default, [stamp], [canary]);
        rig.Core.Counters.For(GuardRig.Release, "v1").PeerSteps = new PeerSteps(default, [stamp], [stable]);
    }

    private static void Count(VersionCounts counts, Random random, double errorRate) =>
        counts.Record(random.NextDouble() < errorRate ? StatusClass.ServerError5xx : StatusClass.Success2xx, false,
            random.Next(50) == 0 ? LatencySample.None : random.Next(40) == 0 ? LatencySample.Slow : LatencySample.Fast);

    // A dead canary at a fifth of the traffic: failed canary requests until the rollback (at most 100).
    private static int FailUntilRolledBack(GuardRig rig)
    {
        var failed = 0;
        while (rig.State.Phase != ReleasePhase.RolledBack && failed < 100)
        {
            rig.Send("v1", 200, count: 4);
            rig.Send("v2", 500);
            failed++;
        }

        return failed;
    }
}

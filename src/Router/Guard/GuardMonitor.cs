using System.Collections.Concurrent;
using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.State;
using Prometheus;

namespace Canary.Router.Guard;

/// <summary>
/// The guard loop's work (<see cref="GuardService"/> calls <see cref="EvaluateAll"/>): per release, reads the two
/// versions' running totals, adds the interval since the last look to the canary's evidence
/// (<see cref="GuardPolicy.Add"/>), asks <see cref="GuardPolicy.Judge"/>, and on a breach rolls the canary back through
/// the store (weight 0, canary segments held off, phase RolledBack) with the evidence in the change's cause.
/// Evidence starts over with each canary's life: a new canary version, or a new attempt after a rollback or promotion.
/// </summary>
internal sealed partial class GuardMonitor(RouterCore core, ILogger<GuardMonitor> logger)
{
    /// <summary>Seconds of history kept per version beyond a release's window, for the dashboard's figures.</summary>
    public const int FiguresSeconds = 60;

    private readonly ConcurrentDictionary<string, Judgement> _last = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Release, string Version), CountHistory> _history = new();
    private readonly Dictionary<string, Life> _lives = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StepProgress> _steps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Still> _still = new(StringComparer.Ordinal);
    private readonly Lock _stepsGate = new();
    private readonly Lock _judging = new();

    /// <summary>The latest verdict of a release, for the admin API and the dashboard.</summary>
    public GuardVerdict? Last(string release) => _last.GetValueOrDefault(release)?.Verdict;

    /// <summary>How far the current step has got, for the admin API.</summary>
    public StepProgress? Step(string release)
    {
        lock (_stepsGate)
        {
            return _steps.TryGetValue(release, out var progress) ? progress : null;
        }
    }

    /// <summary>A version's figures over the last <paramref name="seconds"/> (at most <see cref="FiguresSeconds"/> or the release's window).</summary>
    public CountSnapshot Figures(string release, string version, int seconds)
    {
        var now = SecondOf(core.Time.GetTimestamp());
        var totals = core.Counters.For(release, version).Fleet();
        return _history.TryGetValue((release, version), out var history) ? history.Complete(now, seconds, totals) : default;
    }

    /// <summary>Judges every release; the loop's only entry (tests call it as the loop would).</summary>
    public void EvaluateAll()
    {
        lock (_judging)
        {
            var second = SecondOf(core.Time.GetTimestamp());
            foreach (var release in core.Store.Names)
            {
                Evaluate(release, second);
            }
        }
    }

    /// <summary>A change that cannot be persisted does not take effect: logged, and the next evaluation tries again.</summary>
    private void Evaluate(string release, long second)
    {
        try
        {
            Judge(release, second);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotApplied(logger, release, e);
        }
    }

    private void Judge(string release, long second)
    {
        if (core.Store.Get(release) is not { } state || (_still.TryGetValue(release, out var still) && still.Holds(state, second)))
        {
            return;
        }

        var options = state.Guard;
        var stable = Totals(release, state.Stable, options, second);
        if (state.Canary is not { } canary)
        {
            _lives.Remove(release);
            _last.TryRemove(release, out _);
            return;
        }

        var canaryTotals = Totals(release, canary, options, second);
        var canaryWindow = History(release, canary, options).Window(second, options.WindowSeconds, canaryTotals);
        var stableWindow = History(release, state.Stable, options).Window(second, options.WindowSeconds, stable);
        var ended = state.Phase is ReleasePhase.RolledBack or ReleasePhase.Promoted;
        var now = core.Time.GetTimestamp();
        if (!_lives.TryGetValue(release, out var life))
        {
            // First sight since the router started: everything it has counted so far belongs to this life.
            life = new Life(canary, state.Stable, now, default, default, GuardEvidence.None,
                core.Metrics.GuardErrorRate.WithLabels(release, canary), core.Metrics.GuardErrorRate.WithLabels(release, state.Stable));
        }

        if (life.Canary != canary || life.Stable != state.Stable)
        {
            // A new life (another canary) starts from what has been counted by now.
            life = new Life(canary, state.Stable, now, canaryTotals, stable, GuardEvidence.None,
                core.Metrics.GuardErrorRate.WithLabels(release, canary), core.Metrics.GuardErrorRate.WithLabels(release, state.Stable));
        }
        else if (ended)
        {
            // The next attempt after a rollback or promotion starts from what has been counted by now.
            life = life with { Born = now, CanaryTotals = canaryTotals, StableTotals = stable, Evidence = GuardEvidence.None, Placed = null };
        }
        else if (canaryTotals != life.CanaryTotals || stable != life.StableTotals)
        {
            // Unchanged totals add nothing: the life (and its evidence) stays as it was.
            life = Place(options, life, core.Counters.For(release, canary), core.Counters.For(release, state.Stable), canaryTotals, stable, now)
                with { CanaryTotals = canaryTotals, StableTotals = stable };
        }

        _lives[release] = life;
        var verdict = Verdict(release, options, life.Evidence, canaryWindow, stableWindow);
        life.CanaryGauge.Set(verdict.Canary.ErrorRate);
        life.StableGauge.Set(verdict.Stable.ErrorRate);

        if (verdict.Kind != VerdictKind.Breach || !options.Enabled || ended)
        {
            AdvanceSteps(state, verdict, options);
            RememberIfStill(release, state, second, stable, canaryTotals);
            return;
        }

        RollBack(release, options, verdict, life);
    }

    /// <remarks>Apart from <see cref="Judge"/>: the transition's closure would be allocated on every look otherwise.</remarks>
    private void RollBack(string release, GuardOptions options, GuardVerdict verdict, Life life)
    {
        var cause = new ChangeCause(Actor.Guard, "rollback", verdict.Reason!, verdict.Explanation, Figures(options, verdict));
        if (core.Store.Apply(release, s => ReleaseTransitions.GuardRollback(s, life.Canary), cause) is ({ } change, _))
        {
            // A new attempt at this canary starts with no evidence, not with the failures that ended this one.
            _lives[release] = life with { Born = core.Time.GetTimestamp(), Evidence = GuardEvidence.None, Placed = null };
            LogRolledBack(logger, release, life.Canary, change.After.Revision, verdict.Explanation);
        }
    }

    /// <summary>
    /// The evidence after this look: the looks of the last <see cref="PeerSteps.HorizonMicroseconds"/> taken again from
    /// the evidence before them, each with this replica's counts as it saw them and the other replicas' as they stood at
    /// its moment (<see cref="VersionCounts.PeerSteps"/>), so counts that arrive late are judged where they happened:
    /// a replica's successes from before a failure elsewhere do not dilute the failures after it. Older looks are
    /// settled. With no other replicas every look folds the same counts again: the plain running fold.
    /// </summary>
    /// <param name="canaryTotals">The fleet's totals at this look, as the windows read them; this look's counts end there.</param>
    private Life Place(GuardOptions options, Life life, VersionCounts canaryCounts, VersionCounts stableCounts, CountSnapshot canaryTotals, CountSnapshot stableTotals, long now)
    {
        var placed = life.Placed ?? new Placement(life.Evidence, life.CanaryTotals, life.StableTotals, []);
        var canarySteps = canaryCounts.PeerSteps;
        var stableSteps = stableCounts.PeerSteps;

        // Stamps only move on, even if the clock steps back; without other replicas nothing is placed, so nothing waits.
        var at = Math.Max(PeerSteps.Stamp(core.Time), placed.Looks.IsEmpty ? long.MinValue : placed.Looks[^1].At);
        var alone = ReferenceEquals(canarySteps, PeerSteps.None) && ReferenceEquals(stableSteps, PeerSteps.None);
        var settleBefore = alone ? at : at - PeerSteps.HorizonMicroseconds;
        var looks = placed.Looks.Add(new Look(at, core.Time.GetElapsedTime(life.Born, now).TotalSeconds,
            canaryTotals.Minus(canarySteps.Latest), stableTotals.Minus(stableSteps.Latest)));
        var evidence = placed.Evidence;
        var (canaryBefore, stableBefore) = (placed.Canary, placed.Stable);
        var settled = placed;
        var kept = 0;
        for (var i = 0; i < looks.Length; i++)
        {
            var look = looks[i];
            var last = i == looks.Length - 1;

            // Between the look before and this look's totals: a peer's push stamped ahead of this clock, or counts read
            // while a push came in, are then placed at the next look instead of giving an interval below zero.
            var canaryThen = last ? canaryTotals : Between(look.Canary.Plus(canarySteps.At(look.At)), canaryBefore, canaryTotals);
            var stableThen = last ? stableTotals : Between(look.Stable.Plus(stableSteps.At(look.At)), stableBefore, stableTotals);
            evidence = GuardPolicy.Add(options, evidence, canaryThen.Minus(canaryBefore), stableThen.Minus(stableBefore), look.Age);
            (canaryBefore, stableBefore) = (canaryThen, stableThen);
            if (!last && look.At <= settleBefore)
            {
                settled = new Placement(evidence, canaryThen, stableThen, []);
                kept = i + 1;
            }
        }

        return life with { Evidence = evidence, Placed = settled with { Looks = looks[kept..] } };
    }

    /// <summary>Each count of <paramref name="value"/> held between <paramref name="low"/>'s and <paramref name="high"/>'s.</summary>
    private static CountSnapshot Between(CountSnapshot value, CountSnapshot low, CountSnapshot high)
    {
        static long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v, lo), Math.Max(lo, hi));
        return new(Clamp(value.Requests, low.Requests, high.Requests), Clamp(value.ServerErrors, low.ServerErrors, high.ServerErrors),
            Clamp(value.TransportErrors, low.TransportErrors, high.TransportErrors), Clamp(value.GrpcErrors, low.GrpcErrors, high.GrpcErrors),
            Clamp(value.Samples, low.Samples, high.Samples), Clamp(value.Slow, low.Slow, high.Slow));
    }

    /// <summary>
    /// <see cref="GuardPolicy.Judge"/>'s verdict, from the last look when it was given the same: the verdict is a pure
    /// function of these, so an idle release is judged once and not again every 100 ms (its words cost the most).
    /// </summary>
    private GuardVerdict Verdict(string release, GuardOptions options, GuardEvidence evidence, CountSnapshot canaryWindow, CountSnapshot stableWindow)
    {
        if (_last.TryGetValue(release, out var last) && last.Options == options && last.Evidence == evidence
            && last.CanaryWindow == canaryWindow && last.StableWindow == stableWindow)
        {
            return last.Verdict;
        }

        var verdict = GuardPolicy.Judge(options, evidence, canaryWindow, stableWindow);
        _last[release] = new Judgement(options, evidence, canaryWindow, stableWindow, verdict);
        return verdict;
    }

    /// <summary>
    /// Remembers a release nothing can change the verdict of until its state or its totals change: no steps to time,
    /// no life ending on every look, and histories quiet for longer than their rings (every window is zero). Its next
    /// looks are then two reads of its totals: 1,000 idle releases cost the loop next to nothing.
    /// </summary>
    private void RememberIfStill(string release, ReleaseState state, long second, CountSnapshot stable, CountSnapshot canary)
    {
        var options = state.Guard;
        var stableHistory = History(release, state.Stable, options);
        var canaryHistory = History(release, state.Canary!, options);
        if (state.Step >= 0 || state.Phase is ReleasePhase.RolledBack or ReleasePhase.Promoted || !stableHistory.Quiet(second) || !canaryHistory.Quiet(second))
        {
            _still.Remove(release);
            return;
        }

        _still[release] = new Still(state, core.Counters.For(release, state.Stable), stable, stableHistory,
            core.Counters.For(release, state.Canary!), canary, canaryHistory);
    }

    private CountSnapshot Totals(string release, string version, GuardOptions options, long second)
    {
        var totals = core.Counters.For(release, version).Fleet();
        History(release, version, options).Keep(second, totals);
        return totals;
    }

    private CountHistory History(string release, string version, GuardOptions options)
    {
        var history = _history.GetOrAdd((release, version), static (_, seconds) => new CountHistory(seconds), Math.Max(options.WindowSeconds, FiguresSeconds));
        if (history.Seconds < options.WindowSeconds)
        {
            // A reload lengthened the window: the longer history fills up from now on.
            history = new CountHistory(Math.Max(options.WindowSeconds, FiguresSeconds));
            _history[(release, version)] = history;
        }

        return history;
    }

    private long SecondOf(long timestamp) => timestamp / core.Time.TimestampFrequency;

    private void AdvanceSteps(ReleaseState state, GuardVerdict verdict, GuardOptions options)
    {
        bool advance;
        lock (_stepsGate)
        {
            (var progress, advance) = StepPolicy.Judge(state, _steps.TryGetValue(state.Name, out var known) ? known : null, verdict.Kind, core.Time.GetUtcNow());
            _steps[state.Name] = progress;
        }

        // Replicas: one of them at a time advances steps (the lease; a write without it is refused in Redis).
        if (advance && core.Shared is not { HoldsLease: false })
        {
            Advance(state, verdict, options);
        }
    }

    /// <remarks>Apart from <see cref="AdvanceSteps"/>: the transition's closure would be allocated on every look otherwise.</remarks>
    private void Advance(ReleaseState state, GuardVerdict verdict, GuardOptions options)
    {
        var step = state.Steps[state.Step];
        var last = state.Step == state.Steps.Count - 1;
        var reason = last
            ? $"step {state.Step + 1} of {state.Steps.Count} ({step.Weight}%) held healthy for {step.HoldSeconds}s: promoting the canary. {verdict.Explanation}"
            : $"step {state.Step + 1} of {state.Steps.Count} ({step.Weight}%) held healthy for {step.HoldSeconds}s: advancing to {state.Steps[state.Step + 1].Weight}%. {verdict.Explanation}";
        var cause = new ChangeCause(Actor.Steps, last ? "promote" : "step", verdict.Kind == VerdictKind.Healthy ? "healthy" : "inconclusive", reason, Figures(options, verdict));
        if (core.Store.Apply(state.Name, s => ReleaseTransitions.AdvanceStep(s, state.Step), cause) is ({ } change, _))
        {
            LogAdvanced(logger, state.Name, change.After.Weight, change.After.Phase);
        }
    }

    private static Dictionary<string, double> Figures(GuardOptions options, GuardVerdict verdict)
    {
        var figures = new Dictionary<string, double>
        {
            ["errorEvidence"] = verdict.ErrorEvidence,
            ["slowEvidence"] = verdict.SlowEvidence,
            ["evidenceNeeded"] = verdict.Needed,
            ["comparedWithStable"] = verdict.ComparedWithStable ? 1 : 0,
            ["canaryRequests"] = verdict.Canary.Requests,
            ["canaryServerErrors"] = verdict.Canary.ServerErrors,
            ["canaryTransportErrors"] = verdict.Canary.TransportErrors,
            ["canaryGrpcErrors"] = verdict.Canary.GrpcErrors,
            ["canaryErrorRate"] = verdict.Canary.ErrorRate,
            ["canaryLatencySamples"] = verdict.Canary.Samples,
            ["canarySlow"] = verdict.Canary.Slow,
            ["stableRequests"] = verdict.Stable.Requests,
            ["stableErrorRate"] = verdict.Stable.ErrorRate,
            ["stableLatencySamples"] = verdict.Stable.Samples,
            ["stableSlow"] = verdict.Stable.Slow,
            ["windowSeconds"] = options.WindowSeconds,
            ["minRequests"] = options.MinRequests,
            ["maxErrorRate"] = options.MaxErrorRate,
            ["maxErrorRateAboveStable"] = options.MaxErrorRateAboveStable,
            ["maxP99Ms"] = options.MaxP99Ms,
            ["falseRollbackRate"] = options.FalseRollbackRate,
        };
        if (verdict.SecondsToDetectDoubled is { } seconds)
        {
            figures["secondsToDetectDoubledErrorRate"] = seconds;
        }

        return figures;
    }

    /// <summary>One canary's life as the loop follows it: when it began, the totals last seen and the evidence so far.</summary>
    /// <remarks>A struct: the loop updates it on every look, and a look should not allocate.</remarks>
    /// <remarks><paramref name="Placed"/>: where <see cref="Place"/> takes the looks up again from (null: from the totals and evidence above).</remarks>
    private readonly record struct Life(string Canary, string Stable, long Born, CountSnapshot CanaryTotals, CountSnapshot StableTotals, GuardEvidence Evidence, Gauge.Child CanaryGauge, Gauge.Child StableGauge, Placement? Placed = null);

    /// <summary>The evidence and the fleet's totals as of the last settled look, and the looks since.</summary>
    private sealed record Placement(GuardEvidence Evidence, CountSnapshot Canary, CountSnapshot Stable, System.Collections.Immutable.ImmutableArray<Look> Looks);

    /// <summary>A look: its stamp, the canary's age then, and this replica's own totals of the two versions.</summary>
    private readonly record struct Look(long At, double Age, CountSnapshot Canary, CountSnapshot Stable);

    /// <summary>A release judged with nothing moving, and what would have to move for its verdict to change.</summary>
    private sealed record Still(ReleaseState State, VersionCounts Stable, CountSnapshot StableTotals, CountHistory StableHistory,
        VersionCounts Canary, CountSnapshot CanaryTotals, CountHistory CanaryHistory)
    {
        public bool Holds(ReleaseState state, long second) =>
            ReferenceEquals(State, state) && Stable.Fleet() == StableTotals && Canary.Fleet() == CanaryTotals
            && StableHistory.Quiet(second) && CanaryHistory.Quiet(second);
    }

    /// <summary>A verdict and what it was judged on.</summary>
    private sealed record Judgement(GuardOptions Options, GuardEvidence Evidence, CountSnapshot CanaryWindow, CountSnapshot StableWindow, GuardVerdict Verdict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Release {Release} advanced to {Weight}% ({Phase})")]
    private static partial void LogAdvanced(ILogger logger, string release, double weight, ReleasePhase phase);

    [LoggerMessage(Level = LogLevel.Error, Message = "Guard could not persist its decision on release {Release}; it will try again")]
    private static partial void LogNotApplied(ILogger logger, string release, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guard rolled back release {Release} (canary {Canary}), revision {Revision}: {Explanation}")]
    private static partial void LogRolledBack(ILogger logger, string release, string canary, long revision, string explanation);
}

using System.Collections.Concurrent;
using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Guard;

/// <summary>
/// Applies the guard's verdicts: reads the two windows of a release, asks <see cref="GuardPolicy"/>, and on a breach
/// rolls the canary back through the store (weight 0, canary segments held off, phase RolledBack), with the figures
/// in the change's cause. Called on every canary failure, so a failing canary is judged on the very response that
/// crosses the threshold, and every 100 ms by <see cref="GuardService"/> for latency and to refresh the figures.
/// </summary>
internal sealed partial class GuardMonitor(RouterCore core, ILogger<GuardMonitor> logger)
{
    private readonly ConcurrentDictionary<string, GuardVerdict> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StepProgress> _steps = new(StringComparer.Ordinal);
    private readonly Lock _stepsGate = new();

    /// <summary>The latest verdict of a release, for the admin API and the dashboard.</summary>
    public GuardVerdict? Last(string release) => _last.GetValueOrDefault(release);

    /// <summary>How far the current step has got, for the admin API.</summary>
    public StepProgress? Step(string release)
    {
        lock (_stepsGate)
        {
            return _steps.TryGetValue(release, out var progress) ? progress : null;
        }
    }

    public void EvaluateAll()
    {
        foreach (var release in core.Store.Names)
        {
            Evaluate(release);
        }
    }

    /// <summary>A change that cannot be persisted does not take effect: logged, and the next evaluation tries again.</summary>
    public void Evaluate(string release)
    {
        try
        {
            Judge(release);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotApplied(logger, release, e);
        }
    }

    private void Judge(string release)
    {
        var state = core.Store.Get(release);
        if (state?.Canary is not { } canary)
        {
            _last.TryRemove(release, out _);
            return;
        }

        var options = state.Guard;
        var now = RequestWindow.SecondOf(core.Time, core.Time.GetTimestamp());
        var canaryWindow = core.Windows.For(release, canary);
        var stableWindow = core.Windows.For(release, state.Stable);
        var verdict = GuardPolicy.Judge(options,
            canaryWindow.Read(now, options.WindowSeconds), stableWindow.Read(now, options.WindowSeconds),
            canaryWindow.Read(now, 1), stableWindow.Read(now, 1));
        _last[release] = verdict;
        core.Metrics.GuardErrorRate.WithLabels(release, canary).Set(verdict.Canary.ErrorRate);
        core.Metrics.GuardErrorRate.WithLabels(release, state.Stable).Set(verdict.Stable.ErrorRate);

        if (verdict.Kind != VerdictKind.Breach || !options.Enabled || state.Phase is ReleasePhase.RolledBack or ReleasePhase.Promoted)
        {
            AdvanceSteps(state, verdict, options);
            return;
        }

        var cause = new ChangeCause(Actor.Guard, "rollback", verdict.Reason!, verdict.Explanation, Figures(options, verdict));
        if (core.Store.Apply(release, s => ReleaseTransitions.GuardRollback(s, canary), cause) is ({ } change, _))
        {
            // A new attempt at this canary starts from a clean window, not from the failures that ended this one.
            canaryWindow.Clear();
            LogRolledBack(logger, release, canary, change.After.Revision, verdict.Explanation);
        }
    }

    private void AdvanceSteps(ReleaseState state, GuardVerdict verdict, GuardOptions options)
    {
        bool advance;
        lock (_stepsGate)
        {
            (var progress, advance) = StepPolicy.Judge(state, _steps.TryGetValue(state.Name, out var known) ? known : null, verdict.Kind, core.Time.GetUtcNow());
            _steps[state.Name] = progress;
        }

        if (!advance)
        {
            return;
        }

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

    private static Dictionary<string, double> Figures(GuardOptions options, GuardVerdict verdict) => new()
    {
        ["canaryRequests"] = verdict.Canary.Requests,
        ["canaryServerErrors"] = verdict.Canary.ServerErrors,
        ["canaryTransportErrors"] = verdict.Canary.TransportErrors,
        ["canaryErrorRate"] = verdict.Canary.ErrorRate,
        ["canaryP99Ms"] = verdict.Canary.P99Ms,
        ["stableRequests"] = verdict.Stable.Requests,
        ["stableErrorRate"] = verdict.Stable.ErrorRate,
        ["stableP99Ms"] = verdict.Stable.P99Ms,
        ["windowSeconds"] = options.WindowSeconds,
        ["minRequests"] = options.MinRequests,
        ["maxErrorRate"] = options.MaxErrorRate,
        ["maxErrorRateAboveStable"] = options.MaxErrorRateAboveStable,
        ["maxP99Ms"] = options.MaxP99Ms,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Release {Release} advanced to {Weight}% ({Phase})")]
    private static partial void LogAdvanced(ILogger logger, string release, double weight, ReleasePhase phase);

    [LoggerMessage(Level = LogLevel.Error, Message = "Guard could not persist its decision on release {Release}; it will try again")]
    private static partial void LogNotApplied(ILogger logger, string release, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Guard rolled back release {Release} (canary {Canary}), revision {Revision}: {Explanation}")]
    private static partial void LogRolledBack(ILogger logger, string release, string canary, long revision, string explanation);
}

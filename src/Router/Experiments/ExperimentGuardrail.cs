using System.Globalization;
using Canary.Router.Hosting;
using Canary.Router.State;

namespace Canary.Router.Experiments;

/// <summary>
/// Guardrail goals: once a second, each running experiment's report is computed and, when a goal marked
/// <c>Guardrail</c> has the verdict Worse (its always-valid interval wholly on the bad side, so looking every second
/// does not inflate false alarms), the canary is rolled back as the guard does for errors, reason <c>guardrail</c>.
/// </summary>
internal sealed class ExperimentGuardrail(RouterCore core) : ExperimentTicker(Interval, core.Time)
{
    public const string Reason = "guardrail";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>The first guardrail goal the canary is worse on; null when none is.</summary>
    public static GoalResult? Breach(ExperimentReport report, IReadOnlyList<GoalOptions> goals) =>
        report.Goals.FirstOrDefault(g => g.Verdict.Outcome == Outcome.Worse && goals.Any(o => o.Guardrail && o.Name == g.Goal));

    protected override void Tick()
    {
        foreach (var release in core.Experiments.All)
        {
            if (release.Current is not { } run || !run.Goals.Any(g => g.Guardrail))
            {
                continue;
            }

            var report = ExperimentReport.Of(run.Snapshot(release.Release, null));
            if (Breach(report, run.Goals) is not { } goal)
            {
                continue;
            }

            var figures = new Dictionary<string, double>
            {
                [$"{goal.Goal}.lift"] = goal.Lift ?? 0,
                [$"{goal.Goal}.sequentialLow"] = goal.SequentialInterval?.Low ?? 0,
                [$"{goal.Goal}.sequentialHigh"] = goal.SequentialInterval?.High ?? 0,
            };
            var lift = (goal.Lift ?? 0).ToString("P1", CultureInfo.InvariantCulture);
            var cause = new ChangeCause(Actor.Guard, "rollback", Reason,
                $"guardrail goal '{goal.Goal}': {run.Key.Canary} is worse ({lift}), its always-valid interval excludes zero", figures);
            core.Store.Apply(release.Release, s => ReleaseTransitions.GuardRollback(s, run.Key.Canary), cause);
        }
    }
}

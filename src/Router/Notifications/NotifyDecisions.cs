using Canary.Router.State;

namespace Canary.Router.Notifications;

/// <summary>Which decision-log entries are which <see cref="NotifyDecision"/> (their names in router.json: <see cref="NotifyDecisionNames"/>).</summary>
internal static class NotifyDecisions
{
    /// <summary>
    /// Whether an entry is one of the decisions: a rollback by the guard (errors, latency or a guardrail goal), a step
    /// or a promotion (by the steps or an operator), a switch, a refused reload, or an experiment's end with its final
    /// figures (its verdict). An entry that is several (a guardrail rollback ends the experiment) is one notification.
    /// </summary>
    public static bool Matches(NotifyDecision decision, DecisionEvent entry) => decision switch
    {
        NotifyDecision.GuardRollback => entry.Actor == Actor.Guard && entry.Action == "rollback",
        NotifyDecision.Step => entry.Actor == Actor.Steps && entry.Action == "step",
        NotifyDecision.Promote => entry.Action == "promote",
        NotifyDecision.Switch => entry.Action == "switch",
        NotifyDecision.ReloadRefused => entry.Action == "reload-refused",
        NotifyDecision.ExperimentVerdict => entry.Figures?.Keys.Any(k => k.StartsWith(Experiments.ExperimentBook.EndFiguresPrefix, StringComparison.Ordinal)) == true,
        _ => false,
    };
}

namespace Canary.Router.Notifications;

/// <summary>The names router.json gives the <see cref="NotifyDecision"/>s (kebab case).</summary>
internal static class NotifyDecisionNames
{
    private static readonly (NotifyDecision Decision, string Name)[] All =
    [
        (NotifyDecision.GuardRollback, "guard-rollback"),
        (NotifyDecision.Step, "step"),
        (NotifyDecision.Promote, "promote"),
        (NotifyDecision.Switch, "switch"),
        (NotifyDecision.ReloadRefused, "reload-refused"),
        (NotifyDecision.ExperimentVerdict, "experiment-verdict"),
    ];

    public static IEnumerable<string> Names => All.Select(d => d.Name);

    public static bool TryParse(string text, out NotifyDecision decision)
    {
        foreach (var (value, name) in All)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                decision = value;
                return true;
            }
        }

        decision = default;
        return false;
    }
}

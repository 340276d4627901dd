using Canary.Router.Configuration;

namespace Canary.Router.Notifications;

/// <summary>Reads <c>Router.Notify</c>: its shape problems are recorded as the rest of router.json's are.</summary>
internal static class NotifyReader
{
    public static NotifyOptions? Read(JsonSection router, List<ConfigProblem> problems)
    {
        var notify = router.Section("Notify");
        if (notify is null)
        {
            return null;
        }

        var targets = new List<NotifyTarget>();
        foreach (var (name, element, path) in notify.Entries("Targets"))
        {
            var target = JsonSection.Open(element, path, problems);
            if (target is null)
            {
                continue;
            }

            var format = NotifyFormat.CloudEvents;
            if (target.String("Format") is { } text && !Enum.TryParse(text, ignoreCase: true, out format))
            {
                problems.Add(new ConfigProblem(target.PathOf("Format"), $"\"{text}\"", "must be CloudEvents or Slack"));
            }

            var decisions = new List<NotifyDecision>();
            foreach (var decision in target.Strings("Decisions"))
            {
                if (NotifyDecisionNames.TryParse(decision, out var parsed))
                {
                    decisions.Add(parsed);
                }
                else
                {
                    problems.Add(new ConfigProblem(target.PathOf("Decisions"), $"\"{decision}\"", $"must be one of {string.Join(", ", NotifyDecisionNames.Names)}"));
                }
            }

            targets.Add(new NotifyTarget(name, target.String("Url") ?? "", format, decisions));
            target.Complete();
        }

        var options = new NotifyOptions
        {
            Targets = targets,
            Retries = notify.Integer("Retries", OptionLimits.DefaultNotifyRetries),
            RetryDelayMs = notify.Integer("RetryDelayMs", OptionLimits.DefaultNotifyRetryDelayMs),
            QueueLength = notify.Integer("QueueLength", OptionLimits.DefaultNotifyQueueLength),
        };
        notify.Complete();
        return options;
    }
}

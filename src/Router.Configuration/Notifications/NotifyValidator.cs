using System.Text.RegularExpressions;
using Canary.Router.Configuration;

namespace Canary.Router.Notifications;

/// <summary>The rules of <c>Router.Notify</c>; a URL is never quoted in a problem (it may carry a token).</summary>
internal static partial class NotifyValidator
{
    public static void Validate(NotifyOptions? notify, List<ConfigProblem> problems)
    {
        if (notify is null)
        {
            return;
        }

        const string path = "Router.Notify";
        if (notify.Targets.Count == 0)
        {
            problems.Add(new ConfigProblem($"{path}.Targets", null, "must name at least one webhook target"));
        }

        foreach (var target in notify.Targets)
        {
            var at = $"{path}.Targets.{target.Name}";
            if (!Name().IsMatch(target.Name))
            {
                problems.Add(new ConfigProblem(at, null, "target names use letters, digits, '-', '_' and '.' only (they label the metric)"));
            }

            if (!Uri.TryCreate(target.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add(new ConfigProblem($"{at}.Url", target.Url.Length == 0 ? null : "(hidden)", "must be an absolute http:// or https:// URL"));
            }

            if (target.Decisions.Count == 0)
            {
                problems.Add(new ConfigProblem($"{at}.Decisions", null, $"must list at least one of {string.Join(", ", NotifyDecisionNames.Names)}"));
            }
        }

        Range($"{path}.Retries", notify.Retries, OptionLimits.MinNotifyRetries, OptionLimits.MaxNotifyRetries, problems);
        Range($"{path}.RetryDelayMs", notify.RetryDelayMs, OptionLimits.MinNotifyRetryDelayMs, OptionLimits.MaxNotifyRetryDelayMs, problems);
        Range($"{path}.QueueLength", notify.QueueLength, OptionLimits.MinNotifyQueueLength, OptionLimits.MaxNotifyQueueLength, problems);
    }

    private static void Range(string path, int value, int min, int max, List<ConfigProblem> problems)
    {
        if (value < min || value > max)
        {
            problems.Add(new ConfigProblem(path, JsonSection.Describe(value), $"must be between {min} and {max}"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex Name();
}

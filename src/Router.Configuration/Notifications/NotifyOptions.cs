namespace Canary.Router.Notifications;

/// <summary>
/// <c>Router.Notify</c>: webhook targets told about the router's decisions, off the decision path. Read at start (a
/// reload that changes it is applied at the next restart). Defaults and ranges: <see cref="Configuration.OptionLimits"/>.
/// </summary>
internal sealed record NotifyOptions
{
    public IReadOnlyList<NotifyTarget> Targets { get; init; } = [];

    /// <summary>Retries after a failed delivery (a 5xx, 408, 429 or no answer), with exponential backoff from <see cref="RetryDelayMs"/>.</summary>
    public int Retries { get; init; } = Configuration.OptionLimits.DefaultNotifyRetries;

    public int RetryDelayMs { get; init; } = Configuration.OptionLimits.DefaultNotifyRetryDelayMs;

    /// <summary>Decisions waiting per target; past it new ones are dropped (and counted), never waited for.</summary>
    public int QueueLength { get; init; } = Configuration.OptionLimits.DefaultNotifyQueueLength;

    /// <summary>Whether two sections say the same (records compare lists by reference).</summary>
    public static bool Same(NotifyOptions? a, NotifyOptions? b) => a is null || b is null
        ? a is null && b is null
        : a.Retries == b.Retries && a.RetryDelayMs == b.RetryDelayMs && a.QueueLength == b.QueueLength
            && a.Targets.Count == b.Targets.Count
            && a.Targets.Zip(b.Targets).All(p => p.First.Name == p.Second.Name && p.First.Url == p.Second.Url
                && p.First.Format == p.Second.Format && p.First.Decisions.SequenceEqual(p.Second.Decisions));
}

/// <summary>One webhook: where, in which format, and which decisions it wants. The URL may hold a secret: it is never logged.</summary>
internal sealed record NotifyTarget(string Name, string Url, NotifyFormat Format, IReadOnlyList<NotifyDecision> Decisions);

internal enum NotifyFormat
{
    /// <summary>A CloudEvents 1.0 structured-mode JSON event (<c>application/cloudevents+json</c>), the decision-log entry as its data.</summary>
    CloudEvents,

    /// <summary>A Slack-compatible incoming-webhook body: <c>{"text": "..."}</c> (Slack, Mattermost, Rocket.Chat, ...).</summary>
    Slack,
}

/// <summary>The decisions a target can ask for; router.json spells them in kebab case (<c>guard-rollback</c>).</summary>
internal enum NotifyDecision
{
    GuardRollback,
    Step,
    Promote,
    Switch,
    ReloadRefused,
    ExperimentVerdict,
}

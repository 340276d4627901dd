using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Canary.Router.State;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Canary.Router.Notifications;

/// <summary>What a target receives for one decision-log entry, in its format.</summary>
internal static class NotificationBody
{
    /// <summary>The CloudEvents <c>type</c> prefix; the entry's action follows (<c>dev.canary.decision.rollback</c>).</summary>
    public const string TypePrefix = "dev.canary.decision.";

    private static readonly JsonEventFormatter Formatter = new();

    public static HttpContent For(NotifyFormat format, DecisionEvent entry) => format switch
    {
        NotifyFormat.Slack => new StringContent(JsonSerializer.Serialize(new { text = Text(entry) }), Encoding.UTF8, "application/json"),
        _ => CloudEvent(entry),
    };

    /// <summary>
    /// A structured-mode CloudEvent: id is the entry's sequence (with its time, unique even if the log was lost), source
    /// the release (or the router for router-wide entries), data the entry exactly as <c>GET .../events</c> shows it.
    /// </summary>
    private static ByteArrayContent CloudEvent(DecisionEvent entry)
    {
        var cloudEvent = new CloudEvent
        {
            Id = $"{entry.Sequence}-{entry.Time.ToUnixTimeMilliseconds()}",
            Source = new Uri(entry.Release is null ? "/canary/router" : "/canary/releases/" + entry.Release, UriKind.Relative),
            Type = TypePrefix + entry.Action,
            Subject = entry.Release,
            Time = entry.Time,
            DataContentType = "application/json",
            Data = JsonSerializer.SerializeToElement(entry, DecisionLog.JsonOptions),
        };
        var bytes = Formatter.EncodeStructuredModeMessage(cloudEvent, out var contentType);
        var content = new ByteArrayContent(bytes.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType.ToString());
        return content;
    }

    /// <summary>One line for a chat channel: which release, what, who (the key's name), why, and where it is now.</summary>
    public static string Text(DecisionEvent entry)
    {
        var who = entry.Key is null ? entry.Actor.ToString().ToLowerInvariant() : $"{entry.Actor.ToString().ToLowerInvariant()} '{entry.Key}'";
        var text = new StringBuilder($"Canary {entry.Release ?? "router"}: {entry.Action} by {who}: {entry.Reason}");
        if (entry.After is { } after)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" (now stable {after.Stable}, canary {after.Canary ?? "none"} at {after.Weight}%, {after.Phase}, revision {after.Revision})");
        }

        return text.ToString();
    }
}

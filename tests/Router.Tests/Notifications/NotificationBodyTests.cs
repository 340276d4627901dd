using System.Text.Json.Nodes;
using Canary.Router.Notifications;
using Canary.Router.State;

namespace Canary.Router.Tests.Notifications;

/// <summary>Which decision-log entries each decision kind is, and what each format sends.</summary>
public sealed class NotificationBodyTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 1, 30, 0, TimeSpan.Zero);

    private static DecisionEvent Entry(Actor actor, string action, string? release = "shop", IReadOnlyDictionary<string, double>? figures = null, string? key = null) =>
        new(7, At, release, actor, action, "code", "why", null, new EventSide("v1", "v2", 0, ReleasePhase.RolledBack, 12), figures, key);

    [Theory]
    [InlineData("guard-rollback", "Guard", "rollback", true)]
    [InlineData("guard-rollback", "Operator", "rollback", false)]
    [InlineData("step", "Steps", "step", true)]
    [InlineData("step", "Operator", "weight", false)]
    [InlineData("promote", "Steps", "promote", true)]
    [InlineData("promote", "Operator", "promote", true)]
    [InlineData("switch", "Operator", "switch", true)]
    [InlineData("reload-refused", "Reload", "reload-refused", true)]
    [InlineData("reload-refused", "Reload", "reload", false)]
    [InlineData("experiment-verdict", "Operator", "promote", false)]
    public void Matches_EntryOfAnAction_OnlyItsDecision(string decision, string actor, string action, bool expected)
    {
        Assert.True(NotifyDecisionNames.TryParse(decision, out var parsed));
        Assert.Equal(expected, NotifyDecisions.Matches(parsed, Entry(Enum.Parse<Actor>(actor), action)));
    }

    [Fact]
    public void Matches_ChangeThatEndedAnExperiment_IsAVerdict() =>
        Assert.True(NotifyDecisions.Matches(NotifyDecision.ExperimentVerdict,
            Entry(Actor.Operator, "promote", figures: new Dictionary<string, double> { [Canary.Router.Experiments.ExperimentBook.EndFiguresPrefix + "weight"] = 50 })));

    [Fact]
    public async Task For_CloudEvents_StructuredEventWithTheEntryAsData()
    {
        using var content = NotificationBody.For(NotifyFormat.CloudEvents, Entry(Actor.Guard, "rollback", figures: new Dictionary<string, double> { ["canaryErrorRate"] = 0.5 }));

        Assert.Equal("application/cloudevents+json", content.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await content.ReadAsStringAsync())!;
        Assert.Equal("1.0", body["specversion"]!.GetValue<string>());
        Assert.Equal("dev.canary.decision.rollback", body["type"]!.GetValue<string>());
        Assert.Equal("/canary/releases/shop", body["source"]!.GetValue<string>());
        Assert.Equal("shop", body["subject"]!.GetValue<string>());
        Assert.Equal($"7-{At.ToUnixTimeMilliseconds()}", body["id"]!.GetValue<string>());
        Assert.Equal(At, DateTimeOffset.Parse(body["time"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(7, body["data"]!["sequence"]!.GetValue<long>());
        Assert.Equal("guard", body["data"]!["actor"]!.GetValue<string>());
        Assert.Equal(0.5, body["data"]!["figures"]!["canaryErrorRate"]!.GetValue<double>());
    }

    [Fact]
    public async Task For_Slack_OneTextLineNamingReleaseActionKeyAndState()
    {
        using var content = NotificationBody.For(NotifyFormat.Slack, Entry(Actor.Operator, "rollback", key: "ci"));

        Assert.Equal("application/json", content.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["text"], body.Select(p => p.Key));
        Assert.Equal("Canary shop: rollback by operator 'ci': why (now stable v1, canary v2 at 0%, RolledBack, revision 12)", body["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task For_RouterWideEntry_SourceIsTheRouter()
    {
        using var content = NotificationBody.For(NotifyFormat.CloudEvents, Entry(Actor.Reload, "reload-refused", release: null));

        var body = JsonNode.Parse(await content.ReadAsStringAsync())!;
        Assert.Equal("/canary/router", body["source"]!.GetValue<string>());
        Assert.Null(body["subject"]);
    }
}

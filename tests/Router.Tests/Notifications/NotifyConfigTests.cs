using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.Notifications;
using static Canary.Router.Tests.Configuration.RouterJson;

namespace Canary.Router.Tests.Notifications;

/// <summary>Router.Notify through the loader: a good section read as written, every problem of a bad one at once, no URL quoted.</summary>
public sealed class NotifyConfigTests
{
    [Fact]
    public void Parse_TwoTargets_ReadAsWritten()
    {
        var json = Edit(router => router["Notify"] = new JsonObject
        {
            ["RetryDelayMs"] = 200,
            ["Targets"] = new JsonObject
            {
                ["chat"] = new JsonObject { ["Url"] = "https://hooks.example/T1/secret", ["Format"] = "slack", ["Decisions"] = new JsonArray("guard-rollback", "Promote") },
                ["audit"] = new JsonObject { ["Url"] = "http://127.0.0.1:9000/events", ["Decisions"] = "reload-refused" },
            },
        });

        var notify = RouterConfigLoader.Parse(json, "test").Notify!;

        Assert.Equal(200, notify.RetryDelayMs);
        Assert.Equal(OptionLimits.DefaultNotifyRetries, notify.Retries);
        Assert.Equal(OptionLimits.DefaultNotifyQueueLength, notify.QueueLength);
        Assert.Equal(["chat", "audit"], notify.Targets.Select(t => t.Name));
        Assert.Equal(NotifyFormat.Slack, notify.Targets[0].Format);
        Assert.Equal([NotifyDecision.GuardRollback, NotifyDecision.Promote], notify.Targets[0].Decisions);
        Assert.Equal(NotifyFormat.CloudEvents, notify.Targets[1].Format);
        Assert.Equal([NotifyDecision.ReloadRefused], notify.Targets[1].Decisions);
    }

    [Fact]
    public void Parse_NoNotifySection_NoTargets() => Assert.Null(RouterConfigLoader.Parse(Valid, "test").Notify);

    [Fact]
    public void Parse_BadSection_EveryProblemListedAndNoUrlQuoted()
    {
        var json = Edit(router => router["Notify"] = new JsonObject
        {
            ["Retries"] = 11,
            ["RetryDelayMs"] = 5,
            ["QueueLength"] = 0,
            ["Colour"] = "red",
            ["Targets"] = new JsonObject
            {
                ["bad name"] = new JsonObject { ["Url"] = "ftp://files.example/secret-token", ["Format"] = "Teams", ["Decisions"] = new JsonArray("rollback") },
                ["empty"] = new JsonObject { ["Url"] = "https://hooks.example/x", ["Decisions"] = new JsonArray(), ["Secret"] = "x" },
                ["nourl"] = new JsonObject { ["Decisions"] = new JsonArray("step") },
            },
        });

        var problems = Problems(json);

        AssertProblem(problems, "Router.Notify.Retries", "between 0 and 10");
        AssertProblem(problems, "Router.Notify.RetryDelayMs", "between 10 and 60000");
        AssertProblem(problems, "Router.Notify.QueueLength", "between 1 and 100000");
        AssertProblem(problems, "Router.Notify.Colour", "is not a known key");
        AssertProblem(problems, "Router.Notify.Targets.bad name", "target names use letters");
        AssertProblem(problems, "Router.Notify.Targets.bad name.Format", "must be CloudEvents or Slack");
        AssertProblem(problems, "Router.Notify.Targets.bad name.Decisions", "must be one of guard-rollback, step, promote, switch, reload-refused, experiment-verdict");
        var url = AssertProblem(problems, "Router.Notify.Targets.bad name.Url", "absolute http:// or https:// URL");
        Assert.Equal("(hidden)", url.Value);
        AssertProblem(problems, "Router.Notify.Targets.empty.Decisions", "at least one of");
        AssertProblem(problems, "Router.Notify.Targets.empty.Secret", "is not a known key");
        AssertProblem(problems, "Router.Notify.Targets.nourl.Url", "absolute http:// or https:// URL");
        Assert.DoesNotContain(problems, p => p.ToString().Contains("secret-token", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NoTargets_Refused() =>
        AssertProblem(Problems(Edit(router => router["Notify"] = new JsonObject { ["Targets"] = new JsonObject() })), "Router.Notify.Targets", "at least one webhook target");
}

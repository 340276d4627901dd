using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Cli.Tests.Commands;

public sealed class ChangeCommandsTests
{
    [Fact]
    public async Task Weight_SetsTheWeightAndPrintsTheNewState()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("weight", "shop", "25", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(25, (double)result.Json["weight"]!);
        Assert.Equal(25, (await shop.Router.StateAsync()).Weight());
        var last = (await shop.Router.EventsAsync()).Objects().Last();
        Assert.Equal("operator", last.Text("actor"));
        Assert.Equal("weight", last.Text("action"));
    }

    [Fact]
    public async Task Weight_StaleIfMatch_Exits3AndChangesNothing()
    {
        await using var shop = await ShopRouter.StartAsync();
        var revision = (await shop.Router.StateAsync()).Revision();
        Assert.Equal(0, (await shop.RunAsync("weight", "shop", "20%", "--if-match", revision.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);

        var stale = await shop.RunAsync("weight", "shop", "30", "--if-match", revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ExitCodes.Refused, stale.ExitCode);
        Assert.Contains("412", stale.Error, StringComparison.Ordinal);
        Assert.Equal(20, (await shop.Router.StateAsync()).Weight());
    }

    [Fact]
    public async Task Weight_OutOfRange_PrintsTheRoutersFieldErrorAndExits3()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("weight", "shop", "150");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Contains("weight: must be between 0 and 100", result.Error, StringComparison.Ordinal);
        Assert.Equal(10, (await shop.Router.StateAsync()).Weight());
    }

    [Fact]
    public async Task PromoteRollbackPauseResume_DriveTheReleaseThroughItsPhases()
    {
        await using var shop = await ShopRouter.StartAsync(r => r["Steps"] = new JsonArray(Step(10, 600), Step(50, 600)));

        var pause = await shop.RunAsync("pause", "shop", "-o", "json");
        var resume = await shop.RunAsync("resume", "shop", "-o", "json");
        var rollback = await shop.RunAsync("rollback", "shop", "-o", "json");
        var twice = await shop.RunAsync("rollback", "shop");
        var promote = await shop.RunAsync("promote", "shop", "-o", "json");

        Assert.Equal("Paused", (string?)pause.Json["phase"]);
        Assert.Equal("Progressing", (string?)resume.Json["phase"]);
        Assert.Equal("RolledBack", (string?)rollback.Json["phase"]);
        Assert.Equal(0, (double)rollback.Json["weight"]!);
        Assert.Equal(ExitCodes.Refused, twice.ExitCode);
        Assert.Contains("409", twice.Error, StringComparison.Ordinal);
        Assert.Equal("Promoted", (string?)promote.Json["phase"]);
        Assert.Equal("v2", (string?)promote.Json["stable"]);
        Assert.Equal(["pause", "resume", "rollback", "promote"],
            (await shop.Router.EventsAsync()).Objects().Where(e => e.Text("actor") == "operator").Select(e => e.Text("action")));
    }

    [Fact]
    public async Task Switch_MovesEveryUserToTheOtherVersion()
    {
        await using var shop = await ShopRouter.StartAsync(r => r["Weight"] = 0);

        var result = await shop.RunAsync("switch", "shop");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Switched", result.Out, StringComparison.Ordinal);
        var state = await shop.Router.StateAsync();
        Assert.Equal("v2", state.Text("stable"));
        Assert.Equal("v2", (await shop.Router.GetAsync("/api/x", "anyone")).CanaryVersion);
    }

    [Fact]
    public async Task DrainUndrain_MarkTheDestination()
    {
        await using var shop = await ShopRouter.StartAsync();
        var address = ShopRouter.Url(shop.V2);

        var drain = await shop.RunAsync("drain", "shop", "--route", "api", "--destination", address, "-o", "json");
        var drained = Destination(drain.Json);
        var undrain = await shop.RunAsync("undrain", "shop", "--route", "api", "--destination", address, "-o", "json");
        var missing = await shop.RunAsync("drain", "shop", "--route", "api");
        var unknown = await shop.RunAsync("drain", "shop", "--route", "nope", "--destination", address);

        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.True((bool)drained["draining"]!);
        Assert.False((bool)Destination(undrain.Json)["draining"]!);
        Assert.Equal(ExitCodes.Usage, missing.ExitCode);
        Assert.Contains("--destination", missing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, unknown.ExitCode);
        Assert.Contains("route: 'nope' is not a route of release 'shop'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_WithAWrongOrMissingKey_Exit4AndNeverPrintTheKey()
    {
        await using var shop = await ShopRouter.StartAsync();
        var wrong = new Dictionary<string, string>(shop.Environment) { ["CANARY_ADMIN_KEY"] = "not-the-key-3f9c" };
        var none = new Dictionary<string, string> { ["CANARY_ADMIN_URL"] = shop.Environment["CANARY_ADMIN_URL"] };

        var withWrong = await CliRun.RunAsync(wrong, "weight", "shop", "50");
        var withWrongJson = await CliRun.RunAsync(wrong, "promote", "shop", "-o", "json");
        var withNone = await CliRun.RunAsync(none, "rollback", "shop");
        var viaOption = await CliRun.RunAsync(none, "--key", ShopRouter.Key, "weight", "shop", "50");

        Assert.Equal(ExitCodes.Unauthorized, withWrong.ExitCode);
        Assert.Contains("401", withWrong.Error, StringComparison.Ordinal);
        Assert.Contains("The admin key is not valid.", withWrong.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unauthorized, withWrongJson.ExitCode);
        Assert.Equal(401, (int)JsonNode.Parse(withWrongJson.Error)!["error"]!["problem"]!["status"]!);
        Assert.Equal(ExitCodes.Unauthorized, withNone.ExitCode);
        Assert.True(viaOption.ExitCode == 0, viaOption.ToString());
        foreach (var result in new[] { withWrong, withWrongJson, withNone, viaOption })
        {
            Assert.DoesNotContain("not-the-key-3f9c", result.Out + result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(ShopRouter.Key, result.Out + result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(50, (await shop.Router.StateAsync()).Weight());
    }

    [Fact]
    public async Task Commands_RouterNotListening_Exit5()
    {
        var closed = new Dictionary<string, string> { ["CANARY_ADMIN_URL"] = "http://127.0.0.1:1" };

        var result = await CliRun.RunAsync(closed, "status");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Contains("cannot reach the router's admin API at http://127.0.0.1:1/", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weight", "shop")]
    [InlineData("weight", "shop", "ten")]
    [InlineData("wait", "shop", "--until", "done", "--timeout", "1m")]
    [InlineData("wait", "shop", "--until", "promoted", "--timeout", "soon")]
    [InlineData("frobnicate")]
    [InlineData("status", "--output", "xml")]
    public async Task BadCommandLine_Exits2WithTheReason(params string[] args)
    {
        var result = await CliRun.RunAsync(new Dictionary<string, string>(), args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_IsAvailableOnEveryCommand()
    {
        var root = await CliRun.RunAsync(new Dictionary<string, string>(), "--help");
        string[] commands = ["status", "weight", "promote", "rollback", "pause", "resume", "switch", "drain", "undrain", "events", "wait", "validate", "diff"];

        Assert.Equal(0, root.ExitCode);
        foreach (var command in commands)
        {
            Assert.Contains(command + " ", root.Out, StringComparison.Ordinal);
            var help = await CliRun.RunAsync(new Dictionary<string, string>(), command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains($"canary {command}", help.Out, StringComparison.Ordinal);
            Assert.Contains("--output", help.Out, StringComparison.Ordinal);
        }
    }

    private static JsonObject Step(double weight, int hold) => new() { ["Weight"] = weight, ["HoldSeconds"] = hold };

    private static JsonObject Destination(JsonNode release) => release["routes"]![0]!["versions"]!["v2"]![0]!.AsObject();
}

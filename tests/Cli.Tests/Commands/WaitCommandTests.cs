using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Cli.Tests.Commands;

public sealed class WaitCommandTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Wait_GuardRollsBackAFailingCanary_Exits8WithTheGuardsReason()
    {
        // Every user on the canary, which answers 500: the guard's own rollback, not an operator's.
        await using var shop = await ShopRouter.StartAsync(r =>
        {
            r["Weight"] = 100;
            r["Guard"] = new JsonObject { ["MinRequests"] = 5, ["WindowSeconds"] = 10 };
        });
        var wait = CliRun.Start(shop.Environment, CancellationToken.None, "wait", "shop", "--until", "promoted", "--timeout", "60s", "--interval", "100ms", "-o", "json");

        await CliRun.EventuallyAsync(async () => wait.Exit.IsCompleted || await TrafficUntilRolledBackAsync(shop), Within, () => wait.Out.Text + wait.Error.Text);
        var code = await wait.Exit;

        var result = new CliResult(code, wait.Out.Text, wait.Error.Text);
        Assert.True(code == ExitCodes.RolledBack, result.ToString());
        Assert.Equal("rolledback", (string?)result.Json["outcome"]);
        Assert.Equal("RolledBack", (string?)result.Json["state"]!["phase"]);
        Assert.Equal("guard", (string?)result.Json["rollback"]!["actor"]);
        Assert.Equal("guard_error_rate", (string?)result.Json["rollback"]!["code"]);
    }

    [Fact]
    public async Task Wait_OperatorRollsBackFromAnotherClient_Exits8()
    {
        await using var shop = await ShopRouter.StartAsync();
        var wait = CliRun.Start(shop.Environment, CancellationToken.None, "wait", "shop", "--until", "promoted", "--timeout", "60s", "--interval", "100ms");
        await CliRun.EventuallyAsync(() => wait.Out.Text.Contains("Progressing", StringComparison.Ordinal), Within, () => wait.Out.Text + wait.Error.Text);

        using (var rollback = await shop.Router.PostAdminAsync("rollback"))
        {
            rollback.EnsureSuccessStatusCode();
        }

        var code = await wait.Exit.WaitAsync(Within);
        Assert.True(code == ExitCodes.RolledBack, wait.Out.Text + wait.Error.Text);
        Assert.Contains("shop: rolled back before promoted by operator (default) [operator]: operator rolled back", wait.Error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_StepsAdvanceAndPromote_ReachesEachStepThenPromoted()
    {
        // Real steps: the guard's monitor advances them after each hold and promotes after the last.
        await using var shop = await ShopRouter.StartAsync(r =>
        {
            r["Steps"] = new JsonArray(Step(10, 1), Step(50, 1));
            r["OnInconclusive"] = "Advance";
        });

        var step = await shop.RunAsync("wait", "shop", "--until", "step:2", "--timeout", "30s", "--interval", "100ms", "-o", "json");
        var promoted = await shop.RunAsync("wait", "shop", "--until", "promoted", "--timeout", "30s", "--interval", "100ms", "-o", "json");

        Assert.True(step.ExitCode == 0, step.ToString());
        Assert.Equal("reached", (string?)step.Json["outcome"]);
        Assert.True((int)step.Json["state"]!["steps"]!["current"]! >= 1 || (string?)step.Json["state"]!["phase"] == "Promoted");
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Equal("Promoted", (string?)promoted.Json["state"]!["phase"]);
        Assert.Equal("v2", (string?)promoted.Json["state"]!["stable"]);
        Assert.Contains((await shop.Router.EventsAsync()).Objects(), e => e.Text("actor") == "steps" && e["after"].Text("phase") == "Promoted");
    }

    [Fact]
    public async Task Wait_TheReadmesCiJob_WeightResumeWaitPromotes()
    {
        await using var shop = await ShopRouter.StartAsync(r =>
        {
            r.Remove("Weight"); // the release starts at the first step
            r["Steps"] = new JsonArray(Step(5, 1), Step(50, 1));
            r["OnInconclusive"] = "Advance";
        });

        var weight = await shop.RunAsync("weight", "shop", "10", "-o", "json");
        var resume = await shop.RunAsync("resume", "shop", "-o", "json");
        var wait = await shop.RunAsync("wait", "shop", "--until", "promoted", "--timeout", "30s", "--interval", "100ms");

        Assert.Equal("Paused", (string?)weight.Json["phase"]);
        Assert.Equal(10, (double)resume.Json["weight"]!);
        Assert.Equal("Progressing", (string?)resume.Json["phase"]);
        Assert.True(wait.ExitCode == 0, wait.ToString());
        Assert.Contains("shop: reached promoted", wait.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_NothingHappens_Exits9AtTheTimeout()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("wait", "shop", "--until", "promoted", "--timeout", "1s", "--interval", "200ms", "-o", "json");

        Assert.True(result.ExitCode == ExitCodes.Timeout, result.ToString());
        Assert.Equal("timeout", (string?)result.Json["outcome"]);
        Assert.Equal("Progressing", (string?)result.Json["state"]!["phase"]);
    }

    [Fact]
    public async Task Wait_UntilRolledBack_IsReachedByARollback()
    {
        await using var shop = await ShopRouter.StartAsync();
        using (var rollback = await shop.Router.PostAdminAsync("rollback"))
        {
            rollback.EnsureSuccessStatusCode();
        }

        var result = await shop.RunAsync("wait", "shop", "--until", "rolledback", "--timeout", "10s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("shop: reached rolledback", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_Interrupted_Exits130()
    {
        await using var shop = await ShopRouter.StartAsync();
        using var stop = new CancellationTokenSource();
        var wait = CliRun.Start(shop.Environment, stop.Token, "wait", "shop", "--until", "promoted", "--timeout", "60s", "--interval", "100ms");
        await CliRun.EventuallyAsync(() => wait.Out.Text.Length > 0, Within, () => wait.Error.Text);

        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Interrupted, await wait.Exit.WaitAsync(Within));
    }

    /// <summary>One burst of failing requests; true once the release is rolled back.</summary>
    private static async Task<bool> TrafficUntilRolledBackAsync(ShopRouter shop)
    {
        for (var i = 0; i < 10; i++)
        {
            await shop.Router.GetAsync("/api/fail?status=500", "user-" + i);
        }

        return (await shop.Router.StateAsync()).Phase() == "RolledBack";
    }

    private static JsonObject Step(double weight, int hold) => new() { ["Weight"] = weight, ["HoldSeconds"] = hold };
}

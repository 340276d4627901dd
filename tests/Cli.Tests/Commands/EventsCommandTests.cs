using Canary.Cli.Tests.Support;

namespace Canary.Cli.Tests.Commands;

public sealed class EventsCommandTests
{
    [Fact]
    public async Task Events_Json_IsTheDecisionLog()
    {
        await using var shop = await ShopRouter.StartAsync();
        Assert.Equal(0, (await shop.RunAsync("weight", "shop", "30")).ExitCode);

        var json = await shop.RunAsync("events", "shop", "-o", "json");
        var text = await shop.RunAsync("events", "shop");

        Assert.True(json.ExitCode == 0, json.ToString());
        var last = json.Json.AsArray()[^1]!;
        Assert.Equal("operator", (string?)last["actor"]);
        Assert.Equal("weight", (string?)last["action"]);
        Assert.Equal(10, (double)last["before"]!["weight"]!);
        Assert.Equal(30, (double)last["after"]!["weight"]!);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("operator set the weight to 30%", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_Follow_PrintsEachNewEventOnceAsItIsRecorded()
    {
        await using var shop = await ShopRouter.StartAsync();
        Assert.Equal(0, (await shop.RunAsync("weight", "shop", "20")).ExitCode);
        using var stop = new CancellationTokenSource();

        var (exit, stdout, _) = CliRun.Start(shop.Environment, stop.Token, "events", "shop", "--follow", "--interval", "100ms", "-o", "json");
        await CliRun.EventuallyAsync(() => stdout.Text.Contains("\"weight\":20", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => stdout.Text);
        Assert.Equal(0, (await shop.RunAsync("pause", "shop")).ExitCode);
        Assert.Equal(0, (await shop.RunAsync("resume", "shop")).ExitCode);
        await CliRun.EventuallyAsync(() => stdout.Text.Contains("\"action\":\"resume\"", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => stdout.Text);
        await Task.Delay(300); // a few more polls: nothing may be printed twice
        await stop.CancelAsync();

        Assert.Equal(0, await exit);
        var lines = new CliResult(0, stdout.Text, "").JsonLines;
        var sequences = lines.Select(l => (long)l["sequence"]!).ToList();
        Assert.Equal(sequences.Distinct().Order(), sequences);
        Assert.Equal(["weight", "pause", "resume"], lines.Select(l => (string?)l["action"]).TakeLast(3));
    }
}

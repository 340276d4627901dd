using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;

namespace Canary.Cli.Tests.Commands;

public sealed class StatusCommandTests
{
    [Fact]
    public async Task Status_Json_ListsEveryReleaseWithTheAdminApisFields()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("status", "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var release = Assert.Single(result.Json["releases"]!.AsArray())!.AsObject();
        var api = await shop.Router.StateAsync();
        Assert.Equal("shop", (string?)release["name"]);
        Assert.Equal("v1", (string?)release["stable"]);
        Assert.Equal("v2", (string?)release["canary"]);
        Assert.Equal(10, (double)release["weight"]!);
        Assert.Equal("Progressing", (string?)release["phase"]);
        Assert.Equal((long)api["revision"]!, (long)release["revision"]!);
    }

    [Fact]
    public async Task Status_OneRelease_ShowsItsStateAndDestinations()
    {
        await using var shop = await ShopRouter.StartAsync();

        var text = await shop.RunAsync("status", "shop");
        var json = await shop.RunAsync("status", "shop", "-o", "json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("Progressing", text.Out, StringComparison.Ordinal);
        Assert.Contains(ShopRouter.Url(shop.V2), text.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("shop", (string?)json.Json["name"]);
        var v2 = json.Json["routes"]![0]!["versions"]!["v2"]![0]!;
        Assert.Equal(ShopRouter.Url(shop.V2), ((string?)v2["address"])!.TrimEnd('/'));
    }

    [Fact]
    public async Task Status_UnknownRelease_PrintsTheProblemAndExits3()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("status", "nope");
        var json = await shop.RunAsync("status", "nope", "-o", "json");

        Assert.Equal(ExitCodes.Refused, result.ExitCode);
        Assert.Contains("404 Unknown release", result.Error, StringComparison.Ordinal);
        Assert.Contains("There is no release named 'nope'.", result.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Refused, json.ExitCode);
        var problem = JsonNode.Parse(json.Error)!["error"]!["problem"]!;
        Assert.Equal(404, (int)problem["status"]!);
        Assert.Equal("Unknown release", (string?)problem["title"]);
    }

    [Fact]
    public async Task Status_Watch_PrintsOneJsonObjectPerPollUntilCancelled()
    {
        await using var shop = await ShopRouter.StartAsync();
        using var stop = new CancellationTokenSource();

        var (exit, stdout, _) = CliRun.Start(shop.Environment, stop.Token, "status", "shop", "--watch", "--interval", "100ms", "-o", "json");
        await CliRun.EventuallyAsync(() => stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, TimeSpan.FromSeconds(20), () => stdout.Text);
        using (var change = await shop.Router.Admin.PutAsync(new Uri("/admin/releases/shop/weight", UriKind.Relative),
            new StringContent("{\"weight\": 40}", System.Text.Encoding.UTF8, "application/json")))
        {
            change.EnsureSuccessStatusCode();
        }

        await CliRun.EventuallyAsync(() => stdout.Text.Contains("\"weight\":40", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => stdout.Text);
        await stop.CancelAsync();

        Assert.Equal(0, await exit);
        var lines = new CliResult(0, stdout.Text, "").JsonLines;
        Assert.All(lines, line => Assert.Equal("shop", (string?)line["name"]));
        Assert.All(lines, line => Assert.NotNull(line["time"]));
        Assert.Equal(10, (double)lines[0]["weight"]!);
        Assert.Equal(40, (double)lines[^1]["weight"]!);
    }
}

using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;

namespace Canary.Cli.Tests.Commands;

public sealed class DiffCommandTests
{
    [Fact]
    public async Task Diff_TheFileTheRouterRuns_HasNoChanges()
    {
        await using var shop = await ShopRouter.StartAsync();

        var result = await shop.RunAsync("diff", shop.ConfigPath, "--exit-code", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Json["changes"]!.AsArray());
    }

    [Fact]
    public async Task Diff_AChangedFile_ListsWhatWouldChange()
    {
        await using var shop = await ShopRouter.StartAsync();
        Assert.Equal(0, (await shop.RunAsync("weight", "shop", "25")).ExitCode); // the running state moved away from the file
        var config = JsonNode.Parse(await File.ReadAllTextAsync(shop.ConfigPath))!.AsObject();
        var releases = config["Router"]!["Releases"]!.AsObject();
        var release = releases["shop"]!.AsObject();
        release["Weight"] = 5;
        release["Steps"] = new JsonArray(new JsonObject { ["Weight"] = 5, ["HoldSeconds"] = 60 });
        release["Routes"]!["api"]!["Path"] = "/v2/api/{**rest}";
        var blog = release.DeepClone().AsObject();
        blog["Routes"]!["api"]!["Path"] = "/blog/{**rest}";
        releases["blog"] = blog;
        var path = Path.Combine(shop.Router.Folder, "next.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());

        var json = await shop.RunAsync("diff", path, "-o", "json");
        var text = await shop.RunAsync("diff", path);
        var strict = await shop.RunAsync("diff", path, "--exit-code");

        Assert.True(json.ExitCode == 0, json.ToString());
        var changes = json.Json["changes"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(
            ["blog added ", "shop changed routes.api.path", "shop changed steps", "shop changed weight"],
            changes.Select(c => $"{c["release"]} {c["change"]} {c["field"]}").Order(StringComparer.Ordinal));
        var weight = changes.Single(c => (string?)c["field"] == "weight");
        Assert.Equal(25, (double)weight["running"]!);
        Assert.Equal(5, (double)weight["file"]!);
        Assert.Equal("/v2/api/{**rest}", (string?)changes.Single(c => (string?)c["field"] == "routes.api.path")["file"]);
        Assert.Contains("+ blog: new release", text.Out, StringComparison.Ordinal);
        Assert.Contains("~ shop.weight: 25 -> 5", text.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Differences, strict.ExitCode);
    }

    [Fact]
    public async Task Diff_AReleaseLeftOut_IsRemoved()
    {
        await using var shop = await ShopRouter.StartAsync();
        var config = JsonNode.Parse(await File.ReadAllTextAsync(shop.ConfigPath))!.AsObject();
        var releases = config["Router"]!["Releases"]!.AsObject();
        var other = releases["shop"]!.DeepClone();
        releases.Remove("shop");
        releases["other"] = other;
        var path = Path.Combine(shop.Router.Folder, "other.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());

        var result = await shop.RunAsync("diff", path, "-o", "json");

        Assert.Equal(
            ["other added", "shop removed"],
            result.Json["changes"]!.AsArray().Select(c => $"{c!["release"]} {c["change"]}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Diff_AnInvalidFile_ListsItsProblemsAndExits6()
    {
        await using var shop = await ShopRouter.StartAsync();
        var path = Path.Combine(shop.Router.Folder, "bad.json");
        await File.WriteAllTextAsync(path, "{\"Router\": {\"Releases\": {\"shop\": {\"Stable\": \"v1\", \"Weight\": -1, \"Routes\": {}}}}}");

        var result = await shop.RunAsync("diff", path);

        Assert.Equal(ExitCodes.InvalidConfig, result.ExitCode);
        Assert.Contains("Router.Releases.shop.Weight = -1", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing would change", result.Error, StringComparison.Ordinal);
    }
}

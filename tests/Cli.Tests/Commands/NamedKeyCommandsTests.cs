using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;
using Canary.Router.Admin;
using Canary.Router.FunctionalTests;
using Canary.Router.Hosting;

namespace Canary.Cli.Tests.Commands;

/// <summary>The CLI with the router's named keys: a viewer reads and is refused changes (exit 4); events name the operator's key.</summary>
public sealed class NamedKeyCommandsTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-cli-keys-").FullName;
    private TestBackend? _v1;
    private TestBackend? _v2;
    private RouterHost? _host;

    public async Task InitializeAsync()
    {
        _v1 = await TestBackend.StartAsync("v1", "api");
        _v2 = await TestBackend.StartAsync("v2", "api");
        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["Releases"] = new JsonObject { ["shop"] = ShopRouter.ReleaseConfig(_v1, _v2) },
            },
        };
        var path = Path.Combine(_folder, "router.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());
        var keys = Path.Combine(_folder, "keys.json");
        await File.WriteAllTextAsync(keys, """[ { "name": "deploy-bot", "role": "operator", "key": "op-7f3a" }, { "name": "oncall", "role": "viewer", "key": "view-51c2" } ]""");
        _host = await RouterHost.StartAsync(path, new RouterHostOptions { AdminKey = AdminKey.Load(null, keys) });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _v1!.DisposeAsync();
        await _v2!.DisposeAsync();
        TempFolder.DeleteQuietly(_folder);
    }

    [Fact]
    public async Task ViewerKey_StatusWorksWeightExits4()
    {
        var status = await RunAsync("view-51c2", "status", "shop", "-o", "json");
        var weight = await RunAsync("view-51c2", "weight", "shop", "50");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(ExitCodes.Unauthorized, weight.ExitCode);
        Assert.Contains("403 Forbidden", weight.Error, StringComparison.Ordinal);
        Assert.Contains("The key 'oncall' has the viewer role", weight.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("view-51c2", weight.Out + weight.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperatorKey_EventsNameIt()
    {
        Assert.Equal(0, (await RunAsync("op-7f3a", "weight", "shop", "30")).ExitCode);

        var json = await RunAsync("view-51c2", "events", "shop", "-o", "json");
        var text = await RunAsync("view-51c2", "events", "shop");

        Assert.Equal("deploy-bot", (string?)json.Json.AsArray()[^1]!["key"]);
        Assert.Contains("operator (deploy-bot)", text.Out, StringComparison.Ordinal);
    }

    private Task<CliResult> RunAsync(string key, params string[] args) =>
        CliRun.RunAsync(new Dictionary<string, string> { ["CANARY_ADMIN_URL"] = _host!.AdminAddress.ToString(), ["CANARY_ADMIN_KEY"] = key }, args);
}

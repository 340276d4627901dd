using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Cli.Tests.Support;

/// <summary>
/// The real router (the functional tests' <see cref="LiveRouter"/>, in-process on free ports) with release "shop":
/// stable v1, canary v2, one route "api" on two real Kestrel backends, user key header X-User-Id. Gives the CLI's
/// environment for it: <c>CANARY_ADMIN_URL</c> and <c>CANARY_ADMIN_KEY</c>.
/// </summary>
internal sealed class ShopRouter : IAsyncDisposable
{
    public const string Release = LiveRouter.Release;
    public const string Key = LiveRouter.AdminKeyValue;

    private ShopRouter(LiveRouter router, TestBackend v1, TestBackend v2)
    {
        Router = router;
        V1 = v1;
        V2 = v2;
    }

    public LiveRouter Router { get; }

    public TestBackend V1 { get; }

    public TestBackend V2 { get; }

    public string ConfigPath => Path.Combine(Router.Folder, "router.json");

    public Dictionary<string, string> Environment => new()
    {
        ["CANARY_ADMIN_URL"] = Router.Host.AdminAddress.ToString(),
        ["CANARY_ADMIN_KEY"] = Key,
    };

    public static string Url(TestBackend backend) => backend.Address.ToString().TrimEnd('/');

    /// <param name="edit">Changes to the release before the router starts (weight, steps, guard, ...).</param>
    public static async Task<ShopRouter> StartAsync(Action<JsonObject>? edit = null)
    {
        var v1 = await TestBackend.StartAsync("v1", "api");
        var v2 = await TestBackend.StartAsync("v2", "api");
        try
        {
            var release = ReleaseConfig(v1, v2);
            edit?.Invoke(release);
            return new ShopRouter(await LiveRouter.StartAsync(release), v1, v2);
        }
        catch
        {
            await v1.DisposeAsync();
            await v2.DisposeAsync();
            throw;
        }
    }

    public static JsonObject ReleaseConfig(TestBackend v1, TestBackend v2) => new()
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = 10,
        ["UserKey"] = new JsonArray("header:X-User-Id"),
        ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [Url(v1)]), ("v2", [Url(v2)])) },
    };

    /// <summary>Runs the CLI against this router.</summary>
    public Task<CliResult> RunAsync(params string[] args) => CliRun.RunAsync(Environment, args);

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await V1.DisposeAsync();
        await V2.DisposeAsync();
    }
}

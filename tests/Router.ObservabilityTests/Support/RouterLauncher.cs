using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Canary.Router.Hosting;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>What the generated router.json holds: one release <c>shop</c> (stable v1, canary v2) with routes api and web.</summary>
internal sealed record RouterSetup
{
    public const string Release = "shop";

    /// <summary>Route name to version name to backend address.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, Uri>> Routes { get; init; }

    public double Weight { get; init; } = 50;

    /// <summary>The Guard section; by default off (it would roll back a canary the test makes fail on purpose).</summary>
    public JsonObject Guard { get; init; } = new() { ["Enabled"] = false };

    /// <summary>Segments (<c>beta</c>: header X-Beta true goes to v2) when set.</summary>
    public bool BetaSegment { get; init; }
}

/// <summary>
/// Starts the real router (<see cref="RouterHost"/>) on 127.0.0.1:0 for public and admin, from a router.json
/// written to a fresh temporary folder (with its state file), and removes the folder afterwards.
/// </summary>
internal sealed class RouterLauncher : IAsyncDisposable
{
    private readonly InProcessRouter _router;

    private RouterLauncher(InProcessRouter router) => _router = router;

    public RouterHost Host => _router.Host;

    public Uri PublicAddress => Host.PublicAddress;

    public Uri AdminAddress => Host.AdminAddress;

    public static async Task<RouterLauncher> StartAsync(RouterSetup setup, RouterHostOptions? options = null)
    {
        return new RouterLauncher(await InProcessRouter.StartAsync("obs", ConfigText(setup), options));
    }

    public static string ConfigText(RouterSetup setup)
    {
        var routes = new JsonObject();
        foreach (var (route, versions) in setup.Routes)
        {
            var map = new JsonObject();
            foreach (var (version, address) in versions)
            {
                map[version] = new JsonArray(address.ToString().TrimEnd('/'));
            }

            routes[route] = new JsonObject
            {
                ["Path"] = route == "api" ? "/api/{**rest}" : "/{**rest}",
                ["Versions"] = map,
            };
        }

        var release = new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = setup.Weight,
            ["UserKey"] = new JsonArray("header:X-User-Id"),
            ["Guard"] = setup.Guard.DeepClone(),
            ["Routes"] = routes,
        };
        if (setup.BetaSegment)
        {
            release["Segments"] = new JsonArray(new JsonObject
            {
                ["Name"] = "beta",
                ["Header"] = "X-Beta",
                ["Values"] = new JsonArray("true"),
                ["Version"] = "v2",
            });
        }

        var root = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["StateFile"] = "router.state.json",
                ["Releases"] = new JsonObject { [RouterSetup.Release] = release },
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }


    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
    }
}

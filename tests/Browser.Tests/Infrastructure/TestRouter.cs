using System.Text.Json.Nodes;
using Canary.Router.Hosting;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>A route of release "shop": its path and one destination per version.</summary>
internal sealed record RouteSpec(string Name, string Path, string V1, string V2);

/// <summary>
/// The real router, in-process, with its router.json, state file and cookie key in a temporary folder of its own.
/// One release, "shop": stable v1, canary v2, user key header X-User-Id, segment beta (X-Beta: true → v2).
/// </summary>
internal sealed class TestRouter : IAsyncDisposable
{
    public const string Release = "shop";
    public const string UserHeader = "X-User-Id";
    public const string AnonymousCookie = "canary_uid";

    private readonly InProcessRouter _router;

    private TestRouter(InProcessRouter router) => _router = router;

    public string Folder => _router.Folder;

    public RouterHost Host => _router.Host;

    public Uri PublicAddress => Host.PublicAddress;

    public Uri AdminAddress => Host.AdminAddress;

    /// <param name="goals">The release's experiment goals (router.json "Goals"), when the test needs them.</param>
    public static async Task<TestRouter> StartAsync(double weight, IReadOnlyList<RouteSpec> routes, RouterHostOptions? options = null, JsonArray? goals = null)
    {
        return new TestRouter(await InProcessRouter.StartAsync("browser", Config(weight, routes, goals), options));
    }

    /// <summary>The version the documented bucket rule gives a user key at a weight.</summary>
    public static string ExpectedVersion(string userKey, double weightPercent) =>
        StableBucket.Of(Release, userKey) < weightPercent * 100 ? "v2" : "v1";

    /// <summary>The first user id (user-0, user-1, ...) for which <paramref name="matches"/> holds of its bucket.</summary>
    public static string FirstUser(Func<int, bool> matches) =>
        Enumerable.Range(0, 100_000).Select(i => FormattableString.Invariant($"user-{i}"))
            .First(user => matches(StableBucket.Of(Release, user)));

    /// <summary>An operator's change through the store, as the admin API makes it.</summary>
    public void SetWeight(double weight)
    {
        var outcome = Host.Core.Store.Apply(Release, s => ReleaseTransitions.SetWeight(s, weight),
            new ChangeCause(Actor.Operator, "weight", "operator", $"a test set the weight to {weight}%"));
        Assert.NotNull(outcome);
        Assert.Null(outcome.Value.Refusal);
    }

    public async ValueTask DisposeAsync()
    {
        await _router.DisposeAsync();
    }

    private static string Config(double weight, IReadOnlyList<RouteSpec> routes, JsonArray? goals)
    {
        var routeObjects = new JsonObject();
        foreach (var route in routes)
        {
            routeObjects[route.Name] = new JsonObject
            {
                ["Path"] = route.Path,
                ["Versions"] = new JsonObject { ["v1"] = new JsonArray(route.V1), ["v2"] = new JsonArray(route.V2) },
            };
        }

        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["StateFile"] = "router.state.json",
                ["Releases"] = new JsonObject
                {
                    [Release] = new JsonObject
                    {
                        ["Stable"] = "v1",
                        ["Canary"] = "v2",
                        ["Weight"] = weight,
                        ["UserKey"] = new JsonArray($"header:{UserHeader}"),
                        ["Segments"] = new JsonArray(new JsonObject
                        {
                            ["Name"] = "beta",
                            ["Header"] = "X-Beta",
                            ["Values"] = new JsonArray("true"),
                            ["Version"] = "v2",
                        }),
                        ["Routes"] = routeObjects,
                    },
                },
            },
        };
        if (goals is not null)
        {
            config["Router"]!["Releases"]![Release]!["Goals"] = goals;
        }

        return config.ToJsonString();
    }
}

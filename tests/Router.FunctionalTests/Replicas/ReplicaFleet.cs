using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Router.FunctionalTests.Replicas;

/// <summary>
/// One real redis-server (<see cref="RedisServer"/>) and N real router processes (<see cref="RouterProcess"/>, each with its own folder, ports
/// and state file) with the same release "shop" over SampleApi v1 and v2, all given the Redis by CANARY_REDIS.
/// </summary>
internal sealed class ReplicaFleet : IAsyncDisposable
{
    public const string Key = "replica-tests-admin-key";
    public const string Release = "shop";
    private static readonly HttpClient Admin = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<string> _folders = [];

    private ReplicaFleet(RedisServer redis) => Redis = redis;

    public RedisServer Redis { get; }

    public List<RouterProcess> Routers { get; } = [];

    /// <param name="release">The release's settings beside its Stable, Canary and Routes (Weight, Guard, Steps, ...).</param>
    public static async Task<ReplicaFleet> StartAsync(SampleApiPair samples, int replicas, JsonObject release)
    {
        var fleet = new ReplicaFleet(await RedisServer.StartAsync());
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                var folder = Directory.CreateTempSubdirectory("canary-replica-").FullName;
                fleet._folders.Add(folder);
                var router = new RouterProcess(folder, Key, new Dictionary<string, string?> { [OptionLimits.RedisEnvironmentVariable] = fleet.Redis.Configuration });
                fleet.Routers.Add(router);
                var settings = (JsonObject)release.DeepClone();
                settings["Stable"] = "v1";
                settings["Canary"] = "v2";
                settings["UserKey"] = new JsonArray("header:X-User-Id");
                settings["Routes"] = new JsonObject
                {
                    ["api"] = new JsonObject
                    {
                        ["Path"] = "/api/{**rest}",
                        ["Versions"] = new JsonObject { ["v1"] = new JsonArray(samples.V1.Destination), ["v2"] = new JsonArray(samples.V2.Destination) },
                    },
                };
                await File.WriteAllTextAsync(Path.Combine(folder, "router.json"), new JsonObject
                {
                    ["Router"] = new JsonObject
                    {
                        ["PublicUrls"] = router.PublicAddress.ToString().TrimEnd('/'),
                        ["AdminUrls"] = router.AdminAddress.ToString().TrimEnd('/'),
                        ["Releases"] = new JsonObject { [Release] = settings },
                    },
                }.ToJsonString());
            }

            await Task.WhenAll(fleet.Routers.Select(r => r.StartAsync("/api/version")));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one user's GET /api/version to a replica: the version that answered, or the status when it failed.</summary>
    public static async Task<(HttpStatusCode Status, string? Version)> AskAsync(HttpClient client, RouterProcess router, string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.PublicAddress, "/api/version"));
        request.Headers.Add("X-User-Id", user);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("X-Backend-Version", out var values) ? values.First() : null);
    }

    /// <summary>Waits (at most <paramref name="seconds"/>, generous for a loaded machine) until every running replica's release satisfies <paramref name="done"/>.</summary>
    public async Task<JsonObject[]> UntilAllAsync(Func<JsonObject, bool> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            var states = await Task.WhenAll(Routers.Where(r => r.IsRunning).Select(ReleaseAsync));
            if (states.All(done))
            {
                return states;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not every replica {what} within {seconds} s: {string.Join(" | ", states.Select(s => s.ToJsonString()))}");
            await Task.Delay(25);
        }
    }

    /// <summary>The release "shop" as a replica's admin API shows it.</summary>
    public static async Task<JsonObject> ReleaseAsync(RouterProcess router) => (JsonObject)await router.AdminJsonAsync($"/admin/releases/{Release}");

    /// <summary>The release's decision log as a replica's admin API shows it.</summary>
    public static async Task<JsonArray> EventsAsync(RouterProcess router) => (await router.AdminJsonAsync($"/admin/releases/{Release}/events")).AsArray();

    /// <summary>An admin write on the release (<c>weight</c>, <c>promote</c>, ...), with an If-Match entity tag when given.</summary>
    public static async Task<HttpResponseMessage> WriteAsync(RouterProcess router, HttpMethod method, string action, string? json = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(router.AdminAddress, $"/admin/releases/{Release}/{action}"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return await Admin.SendAsync(request);
    }

    public static long Revision(JsonObject release) => (long)release["revision"]!;

    public static string ETag(JsonObject release) => "\"" + Revision(release).ToString(CultureInfo.InvariantCulture) + "\"";

    public async ValueTask DisposeAsync()
    {
        foreach (var router in Routers)
        {
            await router.DisposeAsync();
        }

        await Redis.DisposeAsync();
        foreach (var folder in _folders)
        {
            TempFolder.DeleteQuietly(folder);
        }
    }
}

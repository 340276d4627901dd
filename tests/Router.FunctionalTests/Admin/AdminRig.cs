using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.Admin;
using Canary.Router.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>What a test compares before and after a refused write: the release as the API shows it, the decision log and the state file.</summary>
internal sealed record ReleaseSnapshot(long Revision, double Weight, string Phase, string Stable, string? Canary, int Events, string? StateFile);

/// <summary>
/// The real router with an admin key, in front of real backends (api and web, v1 and v2), with a router.json the test
/// can edit while it runs. Release "shop": stable v1, canary v2, user key header X-User-Id, one segment (X-Beta: true → v2).
/// In memory (<see cref="StartInMemoryAsync"/>), for tests of the admin API alone: the same router through
/// <see cref="RouterFactory"/> (WebApplicationFactory, TestServer), no sockets and no backends.
/// </summary>
internal sealed class AdminRig : IAsyncDisposable
{
    public const string Release = "shop";
    public const string Key = "k";
    public const string ReleasePath = "/admin/releases/" + Release;

    private static readonly (string Route, string Version)[] Destinations = [("api", "v1"), ("api", "v2"), ("web", "v1"), ("web", "v2")];

    private readonly List<TestBackend> _backends;
    private readonly Func<string, string, string> _destination;
    private InProcessRouter? _router;
    private RouterFactory? _factory;

    private AdminRig(JsonObject config, List<TestBackend> backends, Func<string, string, string> destination)
    {
        Config = config;
        _backends = backends;
        _destination = destination;
    }

    public string Folder => _router?.Folder ?? _factory!.Folder;

    public string ConfigPath => Path.Combine(Folder, "router.json");

    public string StatePath => Path.Combine(Folder, "router.state.json");

    /// <summary>router.json as last written; edit it through <see cref="EditConfigAsync"/>.</summary>
    public JsonObject Config { get; }

    public JsonObject ReleaseConfig => Config["Router"]!["Releases"]![Release]!.AsObject();

    public RouterHost Host => _router?.Host ?? _factory!.Router;

    /// <summary>No cookies, no redirects: tests see exactly what the router sent (in memory: the admin host's client).</summary>
    public HttpClient Client { get; private set; } = RouterRig.NewClient();

    /// <summary>Where the admin API answers: the admin host's address, or the in-memory server's.</summary>
    public Uri AdminAddress => _factory is null ? Host.AdminAddress : Client.BaseAddress!;

    public TestBackend Backend(string route, string version) =>
        _backends.Single(b => b.Route == route && b.Version == version);

    /// <param name="weight">The canary's percent in router.json.</param>
    /// <param name="withKey">False: the router runs without an admin key (writes refused).</param>
    public static async Task<AdminRig> StartAsync(double weight = 0, bool withKey = true)
    {
        var backends = new List<TestBackend>();
        try
        {
            foreach (var (route, version) in Destinations)
            {
                backends.Add(await TestBackend.StartAsync(version, route));
            }

            var rig = new AdminRig(Shop(weight, Address), backends, Address);
            rig._router = await InProcessRouter.StartAsync("admin", rig.Config.ToJsonString(), new RouterHostOptions { AdminKey = new AdminKey(withKey ? Key : null) });
            return rig;
        }
        catch
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            throw;
        }

        string Address(string route, string version) => Url(backends.Single(b => b.Route == route && b.Version == version));
    }

    /// <summary>The same release in memory: its destinations are addresses nothing listens on, since nothing is proxied.</summary>
    public static AdminRig StartInMemory(double weight = 0, bool withKey = true)
    {
        var closed = Destinations.ToDictionary(k => k, _ => Ports.ClosedAddress().ToString().TrimEnd('/'));
        string Address(string route, string version) => closed[(route, version)];
        var rig = new AdminRig(Shop(weight, Address), [], Address);
        rig._factory = new RouterFactory(rig.Config.ToJsonString(), withKey ? Key : null);
        rig.Client.Dispose();
        rig.Client = rig._factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        return rig;
    }

    /// <summary>router.json's destination of a version of a route.</summary>
    public string Destination(string route, string version) => _destination(route, version);

    private static JsonObject Shop(double weight, Func<string, string, string> address) => new()
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
                    ["UserKey"] = new JsonArray("header:X-User-Id"),
                    ["Segments"] = new JsonArray(Segment("beta", "X-Beta", "true", "v2")),
                    ["Routes"] = new JsonObject
                    {
                        ["api"] = Route("/api/{**rest}", ("v1", address("api", "v1")), ("v2", address("api", "v2"))),
                        ["web"] = Route("/{**rest}", ("v1", address("web", "v1")), ("v2", address("web", "v2"))),
                    },
                },
            },
        },
    };

    /// <summary>The first user on the canary at <paramref name="high"/> percent and on stable at <paramref name="low"/>.</summary>
    public static string UserMovedBetween(double low, double high) =>
        Enumerable.Range(0, 10_000).Select(Cohorts.User).First(u => Cohorts.Expected(u, high) == "v2" && Cohorts.Expected(u, low) == "v1");

    public static string Url(TestBackend backend) => backend.Address.ToString().TrimEnd('/');

    public static JsonObject Segment(string name, string header, string value, string version) => new()
    {
        ["Name"] = name,
        ["Header"] = header,
        ["Values"] = new JsonArray(value),
        ["Version"] = version,
    };

    public static JsonObject Route(string path, params (string Version, string Address)[] versions)
    {
        var map = new JsonObject();
        foreach (var (version, address) in versions)
        {
            map[version] = new JsonArray(address);
        }

        return new JsonObject { ["Path"] = path, ["Versions"] = map };
    }

    /// <summary>One more real backend, stopped with the rig.</summary>
    public async Task<TestBackend> AddBackendAsync(string version, string route)
    {
        var backend = await TestBackend.StartAsync(version, route);
        _backends.Add(backend);
        return backend;
    }

    /// <summary>Edits the release in router.json and writes the whole file, as an operator's editor would.</summary>
    public Task EditConfigAsync(Action<JsonObject> editRelease)
    {
        editRelease(ReleaseConfig);
        return File.WriteAllTextAsync(ConfigPath, Config.ToJsonString());
    }

    /// <summary>Stops the router; the folder stays.</summary>
    public Task StopRouterAsync() => _router!.StopAsync();

    /// <summary>Stops the router, then starts a new one on the same folder (same router.json and state file).</summary>
    public Task RestartRouterAsync(Func<Task>? whileStopped = null) => _router!.RestartAsync(whileStopped);

    // ---- admin API ----

    public async Task<HttpResponseMessage> SendAdminAsync(
        HttpMethod method, string path, HttpContent? content = null, string? key = Key, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(AdminAddress, path)) { Content = content };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await Client.SendAsync(request);
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public Task<HttpResponseMessage> PutWeightAsync(double weight, string? ifMatch = null) =>
        SendAdminAsync(HttpMethod.Put, ReleasePath + "/weight",
            Json("{\"weight\": " + weight.ToString(CultureInfo.InvariantCulture) + "}"), ifMatch: ifMatch);

    public Task<HttpResponseMessage> PostAsync(string action, string? ifMatch = null) =>
        SendAdminAsync(HttpMethod.Post, ReleasePath + "/" + action, ifMatch: ifMatch);

    /// <summary>GET /admin/releases/shop, asserting a 200 with the revision as its ETag.</summary>
    public async Task<JsonObject> ReleaseAsync()
    {
        using var response = await SendAdminAsync(HttpMethod.Get, ReleasePath);
        return await OkReleaseAsync(response);
    }

    public async Task<JsonArray> EventsAsync()
    {
        using var response = await SendAdminAsync(HttpMethod.Get, ReleasePath + "/events");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    public async Task<ReleaseSnapshot> SnapshotAsync()
    {
        var release = await ReleaseAsync();
        var events = await EventsAsync();
        var state = File.Exists(StatePath) ? await File.ReadAllTextAsync(StatePath) : null;
        return new ReleaseSnapshot(
            (long)release["revision"]!, (double)release["weight"]!, (string)release["phase"]!,
            (string)release["stable"]!, (string?)release["canary"], events.Count, state);
    }

    /// <summary>A refused write left everything as it was: the release, the decision log, the state file.</summary>
    public async Task AssertUnchangedAsync(ReleaseSnapshot before) => Assert.Equal(before, await SnapshotAsync());

    /// <summary>The 200 of a release view, checked against its ETag.</summary>
    public static async Task<JsonObject> OkReleaseAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        var release = JsonNode.Parse(text)!.AsObject();
        Assert.Equal($"\"{(long)release["revision"]!}\"", response.Headers.ETag?.ToString());
        return release;
    }

    /// <summary>The value of an unlabelled sample on AdminAddress/metrics (0 when absent).</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var response = await Client.GetAsync(new Uri(AdminAddress, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    // ---- public side ----

    public async Task<ProxyReply> GetAsync(string path, string? userId = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Host.PublicAddress, path));
        if (userId is not null)
        {
            request.Headers.Add("X-User-Id", userId);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        return await RouterRig.ReadAsync(response);
    }

    /// <summary>Polls every 50 ms until <paramref name="condition"/> holds; fails after <paramref name="within"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {within.TotalSeconds} s: {what}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_router is not null)
        {
            await _router.DisposeAsync();
        }

        _factory?.Dispose();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }
}

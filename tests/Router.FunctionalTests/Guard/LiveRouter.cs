using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Canary.Router.Admin;
using Canary.Router.Hosting;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>One proxied response as the load driver and the tests see it.</summary>
/// <param name="Backend">The <c>X-Backend-Version</c> the SampleApi stamps on everything it answers: who really served it.</param>
/// <param name="Instance">The SampleApi instance that answered <c>GET /api/version</c>.</param>
internal sealed record Reply(HttpStatusCode Status, string? CanaryVersion, string? Backend, string? Instance, TimeSpan? RetryAfter, string Body);

/// <summary>
/// The real router (<see cref="RouterHost"/>, both hosts on free ports) with a router.json of one release "shop"
/// that a test writes, an admin key, and clients for its public side and its admin API.
/// </summary>
internal sealed class LiveRouter : IAsyncDisposable
{
    public const string Release = "shop";
    public const string AdminKeyValue = "guard-tests-admin-key";

    private readonly InProcessRouter _router;

    private LiveRouter(InProcessRouter router)
    {
        _router = router;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = Host.AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKeyValue);
    }

    public string Folder => _router.Folder;

    public RouterHost Host => _router.Host;

    /// <summary>End users' client: no cookie container.</summary>
    public HttpClient Client { get; }

    /// <summary>The operator's client, with the admin key.</summary>
    public HttpClient Admin { get; }

    /// <param name="release">The release "shop" as router.json has it (Stable, Canary, Weight, Guard, Routes, ...).</param>
    /// <param name="router">Changes to the Router object besides the release (listeners, TLS, ...).</param>
    public static async Task<LiveRouter> StartAsync(JsonObject release, Action<JsonObject, string>? router = null)
    {
        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["StateFile"] = "router.state.json",
                ["Releases"] = new JsonObject { [Release] = release },
            },
        };
        return new LiveRouter(await InProcessRouter.StartAsync("guard-router", folder =>
        {
            router?.Invoke(config["Router"]!.AsObject(), folder);
            return config.ToJsonString();
        }, new RouterHostOptions { AdminKey = new AdminKey(AdminKeyValue) }));
    }

    /// <summary>A route of the release: <c>{"Path": ..., "Versions": {version: [addresses]}}</c>.</summary>
    public static JsonObject Route(string path, params (string Version, string[] Addresses)[] versions)
    {
        var map = new JsonObject();
        foreach (var (version, addresses) in versions)
        {
            map[version] = new JsonArray([.. addresses.Select(a => (JsonNode)JsonValue.Create(a))]);
        }

        return new JsonObject { ["Path"] = path, ["Versions"] = map };
    }

    public async Task<Reply> SendAsync(HttpMethod method, string path, string? userId = null, HttpContent? content = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(Host.PublicAddress, path)) { Content = content };
        if (userId is not null)
        {
            request.Headers.Add("X-User-Id", userId);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        string? instance = null;
        if (response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == "application/json"
            && JsonNode.Parse(body) is JsonObject json && json["instance"] is JsonValue instanceValue)
        {
            instance = instanceValue.GetValue<string>();
        }

        return new Reply(response.StatusCode, Header(response, "X-Canary-Version"), Header(response, "X-Backend-Version"), instance,
            response.Headers.RetryAfter?.Delta, body);
    }

    public Task<Reply> GetAsync(string path, string? userId = null, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, userId, null, headers);

    /// <summary><c>GET /admin/releases/shop</c>.</summary>
    public async Task<JsonObject> StateAsync()
    {
        using var response = await Admin.GetAsync(new Uri($"/admin/releases/{Release}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary><c>GET /admin/releases/shop/events</c>, oldest first.</summary>
    public async Task<JsonArray> EventsAsync()
    {
        using var response = await Admin.GetAsync(new Uri($"/admin/releases/{Release}/events", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (JsonArray)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary><c>POST /admin/releases/shop/{action}</c>, with a JSON body when given.</summary>
    public Task<HttpResponseMessage> PostAdminAsync(string action, object? body = null) =>
        Admin.PostAsync(new Uri($"/admin/releases/{Release}/{action}", UriKind.Relative), body is null ? null : JsonContent.Create(body));

    /// <summary><c>GET /metrics</c> (no key needed).</summary>
    public async Task<PrometheusScrape> MetricsAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return PrometheusScrape.Parse(await client.GetStringAsync(new Uri(Host.AdminAddress, "/metrics")));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _router.DisposeAsync();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>Small readers of the admin API's JSON.</summary>
internal static class AdminJson
{
    public static string Phase(this JsonObject state) => state["phase"]!.GetValue<string>();

    public static double Weight(this JsonObject state) => state["weight"]!.GetValue<double>();

    public static long Revision(this JsonObject state) => state["revision"]!.GetValue<long>();

    public static string Text(this JsonNode? node, string name) => node?[name]?.GetValue<string>() ?? "";

    public static double Figure(this JsonNode @event, string name) =>
        @event["figures"]?[name]?.GetValue<double>() ?? throw new Xunit.Sdk.XunitException($"event has no figure '{name}': {@event.ToJsonString()}");

    /// <summary>The guard's latest figures for one side ("canary" or "stable") of the state.</summary>
    public static long GuardRequests(this JsonObject state, string side) => state["guard"]?[side]?["requests"]?.GetValue<long>() ?? 0;

    public static IEnumerable<JsonObject> Objects(this JsonArray array) => array.OfType<JsonObject>();

    public static string Show(this JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}

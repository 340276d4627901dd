using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Canary.Router.Hosting;
using Microsoft.Net.Http.Headers;

namespace Canary.Router.FunctionalTests;

/// <summary>One proxied response, as a test looks at it.</summary>
internal sealed record ProxyReply(HttpStatusCode Status, string? CanaryVersion, string? BackendVersion, BackendReply? Body, IReadOnlyList<SetCookieHeaderValue> SetCookies)
{
    public SetCookieHeaderValue? SetCookie(string name) =>
        SetCookies.LastOrDefault(c => string.Equals(c.Name.Value, name, StringComparison.Ordinal));
}

/// <summary>
/// The real router in front of four real backends (api and web, v1 and v2), with its router.json, state file and
/// cookie key in a temporary folder of its own. Release "shop": stable v1, canary v2, user key header X-User-Id,
/// segments beta (header X-Beta: true → v2), testers (cookie canary_tester=1 → v2), preview (query preview=on → v2)
/// and staff (header X-Staff: 1 → v1, listed first).
/// </summary>
internal sealed class RouterRig : IAsyncDisposable
{
    public const string Release = "shop";
    public const string AnonymousCookie = "canary_uid";

    private readonly List<TestBackend> _backends;

    private RouterRig(string folder, RouterHost host, List<TestBackend> backends)
    {
        Folder = folder;
        Host = host;
        _backends = backends;
        Client = NewClient();
    }

    public string Folder { get; }

    public string ConfigPath => Path.Combine(Folder, "router.json");

    public RouterHost Host { get; private set; }

    /// <summary>No cookie container: tests send and read cookies themselves.</summary>
    public HttpClient Client { get; }

    public TestBackend Backend(string route, string version) =>
        _backends.Single(b => b.Route == route && b.Version == version);

    /// <param name="weight">The canary's percent in router.json.</param>
    /// <param name="canaryUnreachable">v2 of both routes points at a closed port instead of a backend.</param>
    public static async Task<RouterRig> StartAsync(double weight, bool canaryUnreachable = false)
    {
        var folder = Directory.CreateTempSubdirectory("canary-router-").FullName;
        var backends = new List<TestBackend>();
        try
        {
            foreach (var route in new[] { "api", "web" })
            {
                foreach (var version in canaryUnreachable ? ["v1"] : new[] { "v1", "v2" })
                {
                    backends.Add(await TestBackend.StartAsync(version, route));
                }
            }

            var closed = canaryUnreachable ? ClosedPortAddress() : null;
            string Address(string route, string version) =>
                backends.SingleOrDefault(b => b.Route == route && b.Version == version)?.Address.ToString().TrimEnd('/') ?? closed!;

            await File.WriteAllTextAsync(Path.Combine(folder, "router.json"), Config(weight, Address));
            var host = await RouterHost.StartAsync(Path.Combine(folder, "router.json"));
            return new RouterRig(folder, host, backends);
        }
        catch
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            TempFolder.DeleteQuietly(folder);

            throw;
        }
    }

    /// <summary>Stops the router and starts it again on the same folder (same config, state and cookie key).</summary>
    public async Task RestartRouterAsync(Func<Task>? whileStopped = null)
    {
        await Host.DisposeAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        Host = await RouterHost.StartAsync(ConfigPath);
    }

    public async Task<ProxyReply> GetAsync(string path, string? userId = null, string? cookie = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Host.PublicAddress, path));
        if (userId is not null)
        {
            request.Headers.Add("X-User-Id", userId);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        return await ReadAsync(response);
    }

    public Task<HttpResponseMessage> GetAdminAsync(string path) => Client.GetAsync(new Uri(Host.AdminAddress, path));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        TempFolder.DeleteQuietly(Folder);
    }

    public static HttpClient NewClient() => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<ProxyReply> ReadAsync(HttpResponseMessage response)
    {
        BackendReply? body = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            body = await response.Content.ReadFromJsonAsync<BackendReply>();
        }

        var setCookies = response.Headers.TryGetValues(HeaderNames.SetCookie, out var values)
            && SetCookieHeaderValue.TryParseStrictList(values.ToList(), out var parsed)
            ? (IReadOnlyList<SetCookieHeaderValue>)[.. parsed]
            : [];
        return new ProxyReply(response.StatusCode, Header(response, "X-Canary-Version"), Header(response, TestBackend.VersionHeader), body, setCookies);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>An address on 127.0.0.1 whose port nothing listens on: connections are refused.</summary>
    public static string ClosedPortAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private static string Config(double weight, Func<string, string, string> address)
    {
        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                // Relative: resolved against router.json's folder, not the test's working directory.
                ["StateFile"] = "router.state.json",
                ["Releases"] = new JsonObject
                {
                    [Release] = new JsonObject
                    {
                        ["Stable"] = "v1",
                        ["Canary"] = "v2",
                        ["Weight"] = weight,
                        ["UserKey"] = new JsonArray("header:X-User-Id"),
                        ["Segments"] = new JsonArray(
                            Segment("staff", "Header", "X-Staff", "1", "v1"),
                            Segment("beta", "Header", "X-Beta", "true", "v2"),
                            Segment("testers", "Cookie", "canary_tester", "1", "v2"),
                            Segment("preview", "Query", "preview", "on", "v2")),
                        ["Routes"] = new JsonObject
                        {
                            ["api"] = Route("/api/{**rest}", address("api", "v1"), address("api", "v2")),
                            ["web"] = Route("/{**rest}", address("web", "v1"), address("web", "v2")),
                        },
                    },
                },
            },
        };
        return config.ToJsonString();
    }

    private static JsonObject Segment(string name, string kind, string source, string value, string version) => new()
    {
        ["Name"] = name,
        [kind] = source,
        ["Values"] = new JsonArray(value),
        ["Version"] = version,
    };

    private static JsonObject Route(string path, string v1, string v2) => new()
    {
        ["Path"] = path,
        ["Versions"] = new JsonObject { ["v1"] = new JsonArray(v1), ["v2"] = new JsonArray(v2) },
    };
}

/// <summary>A router at 20% shared by the tests of one class that only read (they change no state).</summary>
public sealed class SharedRouterFixture : IAsyncLifetime
{
    public const double Weight = 20;

    internal RouterRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await RouterRig.StartAsync(Weight);

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

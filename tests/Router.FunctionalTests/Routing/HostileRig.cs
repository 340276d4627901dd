using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.Admin;
using Canary.Router.Hosting;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// The real router (admin key "k") in front of two <see cref="EchoBackend"/>s. Release "shop" on <c>/app/{**rest}</c>:
/// stable v1, canary v2 at 50%, user key header X-User-Id then cookie uid, segment beta (X-Beta: true → v2), a guard
/// tight enough that a handful of errors or slow requests against the canary would roll it back. Release "down" on
/// <c>/down/{**rest}</c> has only a closed port, for the router's own 502. Other paths match no route.
/// </summary>
internal sealed class HostileRig : IAsyncDisposable
{
    public const string Key = "k";
    public const double Weight = 50;
    public const int MinRequests = 5;
    // Tight enough that the slow attacks below would breach it were they counted, loose enough that the counted
    // requests' own latency on a loaded 2-core machine does not.
    public const int MaxP99Ms = 2000;

    private HostileRig(string folder, RouterHost host, EchoBackend v1, EchoBackend v2)
    {
        Folder = folder;
        Host = host;
        V1 = v1;
        V2 = v2;
    }

    public string Folder { get; }

    public RouterHost Host { get; }

    public EchoBackend V1 { get; }

    public EchoBackend V2 { get; }

    public HttpClient Client { get; } = RouterRig.NewClient();

    public static async Task<HostileRig> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("canary-hostile-").FullName;
        var v1 = await EchoBackend.StartAsync("v1");
        var v2 = await EchoBackend.StartAsync("v2");
        try
        {
            var config = new JsonObject
            {
                ["Router"] = new JsonObject
                {
                    ["PublicUrls"] = "http://127.0.0.1:0",
                    ["AdminUrls"] = "http://127.0.0.1:0",
                    ["StateFile"] = "router.state.json",
                    ["Releases"] = new JsonObject
                    {
                        ["shop"] = new JsonObject
                        {
                            ["Stable"] = "v1",
                            ["Canary"] = "v2",
                            ["Weight"] = Weight,
                            ["UserKey"] = new JsonArray("header:X-User-Id", "cookie:uid"),
                            ["Segments"] = new JsonArray(Admin.AdminRig.Segment("beta", "X-Beta", "true", "v2")),
                            ["Guard"] = new JsonObject
                            {
                                ["WindowSeconds"] = 10, ["MinRequests"] = MinRequests, ["MaxErrorRate"] = 0.05, ["MaxP99Ms"] = MaxP99Ms,
                            },
                            ["Routes"] = new JsonObject
                            {
                                ["app"] = Admin.AdminRig.Route("/app/{**rest}", ("v1", v1.Url), ("v2", v2.Url)),
                            },
                        },
                        ["down"] = new JsonObject
                        {
                            ["Stable"] = "v1",
                            ["Routes"] = new JsonObject { ["down"] = Admin.AdminRig.Route("/down/{**rest}", ("v1", RouterRig.ClosedPortAddress())) },
                        },
                    },
                },
            };
            await File.WriteAllTextAsync(Path.Combine(folder, "router.json"), config.ToJsonString());
            var host = await RouterHost.StartAsync(Path.Combine(folder, "router.json"), new RouterHostOptions { AdminKey = new AdminKey(Key) });
            return new HostileRig(folder, host, v1, v2);
        }
        catch
        {
            await v1.DisposeAsync();
            await v2.DisposeAsync();
            TempFolder.DeleteQuietly(folder);
            throw;
        }
    }

    public Uri Public => Host.PublicAddress;

    /// <summary>GET /admin/releases/shop with the key.</summary>
    public async Task<JsonObject> ReleaseAsync() => (await AdminGetAsync("/admin/releases/shop")).AsObject();

    /// <summary>GET /admin/releases/shop/events with the key, as text for a failure message.</summary>
    public async Task<string> EventsAsync() => (await AdminGetAsync("/admin/releases/shop/events")).ToJsonString();

    private async Task<JsonNode> AdminGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Host.AdminAddress, path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The sum of <c>canary_requests_total</c> samples of release shop with this version and code.</summary>
    public async Task<double> RequestsAsync(string version, string code)
    {
        var text = await Client.GetStringAsync(new Uri(Host.AdminAddress, "/metrics"));
        return text.Split('\n')
            .Where(l => l.StartsWith("canary_requests_total{", StringComparison.Ordinal)
                && l.Contains("release=\"shop\"", StringComparison.Ordinal)
                && l.Contains($"version=\"{version}\"", StringComparison.Ordinal)
                && l.Contains($"code=\"{code}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        await V1.DisposeAsync();
        await V2.DisposeAsync();
        TempFolder.DeleteQuietly(Folder);
    }
}

/// <summary>One <see cref="HostileRig"/> for a test class whose requests must not move the release.</summary>
public sealed class HostileRigFixture : IAsyncLifetime
{
    internal HostileRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await HostileRig.StartAsync();

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.FunctionalTests.Guard;
using Canary.Router.Hosting;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>A route's YARP options in router.json, through the real router to a real backend.</summary>
public sealed class RouteOptionsTests : IAsyncLifetime
{
    private EchoBackend _v1 = null!;

    public async Task InitializeAsync() => _v1 = await EchoBackend.StartAsync("v1");

    public async Task DisposeAsync() => await _v1.DisposeAsync();

    [Fact]
    public async Task Post_BodyAboveRoutesLimit_413()
    {
        await using var router = await StartAsync(new JsonObject { ["MaxRequestBodySize"] = 1000 });

        var small = await router.SendAsync(HttpMethod.Post, "/app/upload", content: new ByteArrayContent(new byte[1000]));
        var large = await router.SendAsync(HttpMethod.Post, "/app/upload", content: new ByteArrayContent(new byte[1001]));

        Assert.Equal(HttpStatusCode.OK, small.Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.Status);
    }

    [Fact]
    public async Task Post_40MegabytesWithNoLimit_ReachesTheBackendWhole()
    {
        // Kestrel's default limit is 30 MB: without the route's -1 this upload is refused.
        await using var router = await StartAsync(new JsonObject { ["MaxRequestBodySize"] = -1 });
        const int size = 40 * 1024 * 1024;

        var reply = await router.SendAsync(HttpMethod.Post, "/app/upload", content: new ByteArrayContent(new byte[size]));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(size, EchoReply.Parse(reply.Body).BodyBytes);
    }

    [Fact]
    public async Task Get_SlowerThanRoutesTimeout_504()
    {
        await using var router = await StartAsync(new JsonObject { ["TimeoutSeconds"] = 0.2 });

        var slow = await router.GetAsync("/app/slow?delay-ms=5000");
        var quick = await router.GetAsync("/app/quick");

        Assert.True(slow.Status == HttpStatusCode.GatewayTimeout, $"{slow.Status}: {slow.Body}");
        Assert.Equal(HttpStatusCode.OK, quick.Status);
    }

    [Fact]
    public async Task Get_RouteTransforms_BackendSeesPrefixAndHeader()
    {
        await using var router = await StartAsync(new JsonObject
        {
            ["Transforms"] = new JsonArray(
                new JsonObject { ["PathPrefix"] = "/internal" },
                new JsonObject { ["RequestHeader"] = "X-From", ["Set"] = "router" }),
        });

        var reply = await router.GetAsync("/app/page");

        var echo = EchoReply.Parse(reply.Body);
        Assert.Equal("/internal/app/page", echo.Path);
        Assert.Equal("router", echo.Header("X-From"));
        Assert.Equal("v1", reply.CanaryVersion);
    }

    [Fact]
    public async Task StartAsync_UnknownPolicyNames_EveryProblemNamesItsKey()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => StartAsync(new JsonObject
        {
            ["AuthorizationPolicy"] = "admins-only",
            ["CorsPolicy"] = "partners",
            ["RateLimiterPolicy"] = "per-user",
            ["TimeoutPolicy"] = "long",
        }));

        foreach (var (key, name) in new[] { ("AuthorizationPolicy", "admins-only"), ("CorsPolicy", "partners"), ("RateLimiterPolicy", "per-user"), ("TimeoutPolicy", "long") })
        {
            Assert.Contains(error.Problems, p => p.Path == $"Router.Releases.shop.Routes.app.{key}" && p.Message.Contains(name, StringComparison.Ordinal));
        }
    }

    private Task<LiveRouter> StartAsync(JsonObject options)
    {
        var route = LiveRouter.Route("/app/{**rest}", ("v1", [_v1.Url]));
        foreach (var (key, value) in options.ToList())
        {
            options.Remove(key);
            route[key] = value;
        }

        return LiveRouter.StartAsync(new JsonObject { ["Stable"] = "v1", ["Routes"] = new JsonObject { ["app"] = route } });
    }
}

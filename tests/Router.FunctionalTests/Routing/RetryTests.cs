using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// Retries after a refused connection, against the real router and real backends: another destination of the same
/// version first, then canary to stable only, never stable into the canary; an Idempotency-Key makes a POST retryable.
/// </summary>
public sealed class RetryTests : IAsyncLifetime
{
    private EchoBackend _v1 = null!;
    private EchoBackend _v2 = null!;

    public async Task InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _v2 = await EchoBackend.StartAsync("v2");
    }

    public async Task DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
    }

    [Fact]
    public async Task Get_OneCanaryDestinationRefuses_AnotherCanaryDestinationServesEveryRequest()
    {
        // Load balancing picks either destination: without same-version retries about half would cross to stable.
        await using var router = await StartAsync(weight: 100, v1: [_v1.Url], v2: [Ports.ClosedAddress().ToString(), _v2.Url]);

        for (var i = 0; i < 20; i++)
        {
            var reply = await router.GetAsync("/app/page", $"user-{i}");

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("v2", reply.CanaryVersion);
            Assert.Equal("v2", EchoReply.Parse(reply.Body).Version);
        }

        Assert.Equal(0, _v1.Requests);
    }

    [Fact]
    public async Task Get_StableRefusesWithCanaryAtZero_502FromStableAndCanaryNeverAsked()
    {
        await using var router = await StartAsync(weight: 0, v1: [Ports.ClosedAddress().ToString()], v2: [_v2.Url]);

        var reply = await router.GetAsync("/app/page", "alice");

        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
        Assert.Equal("v1", reply.CanaryVersion);
        Assert.Equal(0, _v2.Requests);
    }

    [Fact]
    public async Task Get_StableRefusesAfterRollback_CanaryNeverAsked()
    {
        await using var router = await StartAsync(weight: 50, v1: [Ports.ClosedAddress().ToString()], v2: [_v2.Url]);
        using var rollback = await router.PostAdminAsync("rollback");
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);

        for (var i = 0; i < 10; i++)
        {
            var reply = await router.GetAsync("/app/page", $"user-{i}");

            Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
            Assert.Equal("v1", reply.CanaryVersion);
        }

        Assert.Equal(0, _v2.Requests);
    }

    [Fact]
    public async Task Post_WithIdempotencyKeyToRefusingCanary_ServedByStableWithItsBody()
    {
        await using var router = await StartAsync(weight: 100, v1: [_v1.Url], v2: [Ports.ClosedAddress().ToString()]);
        var body = new byte[100_000];
        Random.Shared.NextBytes(body);

        var reply = await router.SendAsync(HttpMethod.Post, "/app/orders", "alice", new ByteArrayContent(body), ("Idempotency-Key", "order-1"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("v1", reply.CanaryVersion);
        var echo = EchoReply.Parse(reply.Body);
        Assert.Equal(body.Length, echo.BodyBytes);
        Assert.Equal("order-1", echo.Header("Idempotency-Key"));
    }

    [Fact]
    public async Task Post_WithoutIdempotencyKeyToRefusingCanary_502AndStableNeverAsked()
    {
        await using var router = await StartAsync(weight: 100, v1: [_v1.Url], v2: [Ports.ClosedAddress().ToString()]);

        var reply = await router.SendAsync(HttpMethod.Post, "/app/orders", "alice", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
        Assert.Equal("v2", reply.CanaryVersion);
        Assert.Equal(0, _v1.Requests);
    }

    private static Task<LiveRouter> StartAsync(double weight, string[] v1, string[] v2) => LiveRouter.StartAsync(new JsonObject
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = weight,
        ["UserKey"] = "header:X-User-Id",
        ["Guard"] = new JsonObject { ["Enabled"] = false },
        ["Routes"] = new JsonObject { ["app"] = LiveRouter.Route("/app/{**rest}", ("v1", v1), ("v2", v2)) },
    });
}

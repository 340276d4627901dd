using System.Net;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>v2 of both routes points at a closed port; the weight is 0, so only segments send users there.</summary>
public sealed class UnreachableVersionTests : IAsyncLifetime
{
    private RouterRig _rig = null!;

    public async Task InitializeAsync() => _rig = await RouterRig.StartAsync(weight: 0, canaryUnreachable: true);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Get_ForcedToRefusingVersion_RetriedOnceOnStable()
    {
        foreach (var path in new[] { "/api/version", "/" })
        {
            var reply = await _rig.GetAsync(path, "alice", headers: ("X-Beta", "true"));

            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal("v1", reply.CanaryVersion);
            Assert.Equal("v1", reply.Body!.Version);
        }
    }

    [Fact]
    public async Task Post_ForcedToRefusingVersion_502WithVersionHeaderNotRetried()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_rig.Host.PublicAddress, "/api/orders"))
        {
            Content = new StringContent("{}"),
        };
        request.Headers.Add("X-User-Id", "alice");
        request.Headers.Add("X-Beta", "true");

        using var response = await _rig.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("v2", Assert.Single(response.Headers.GetValues("X-Canary-Version")));
    }

    [Fact]
    public async Task OtherUsers_StillServedByStable()
    {
        // Interleaved, so a failing version cannot disturb the healthy one.
        for (var i = 0; i < 10; i++)
        {
            var broken = await _rig.GetAsync("/api/version", Cohorts.User(i), headers: ("X-Beta", "true"));
            var healthy = await _rig.GetAsync("/api/version", Cohorts.User(i));

            Assert.Equal(HttpStatusCode.OK, broken.Status);
            Assert.Equal(HttpStatusCode.OK, healthy.Status);
            Assert.Equal("v1", healthy.CanaryVersion);
            Assert.Equal("v1", healthy.Body!.Version);
        }
    }
}

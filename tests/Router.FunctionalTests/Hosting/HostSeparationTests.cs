using System.Net;

namespace Canary.Router.FunctionalTests.Hosting;

/// <summary>The public and admin sides are separate hosts: neither serves the other's paths.</summary>
public sealed class HostSeparationTests(SharedRouterFixture fixture) : IClassFixture<SharedRouterFixture>
{
    private readonly RouterRig _rig = fixture.Rig;

    [Fact]
    public async Task Healthz_OnAdminAddress_Ok()
    {
        using var response = await _rig.GetAdminAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("X-Canary-Version"));
    }

    [Theory]
    [InlineData("/api/version")]
    [InlineData("/index.html")]
    public async Task ProxiedPath_OnAdminAddress_NotFoundAndNoBackendReached(string path)
    {
        var before = _rig.Backend("api", "v1").Requests + _rig.Backend("web", "v1").Requests
            + _rig.Backend("api", "v2").Requests + _rig.Backend("web", "v2").Requests;

        using var response = await _rig.GetAdminAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Canary-Version"));
        Assert.False(response.Headers.Contains(TestBackend.VersionHeader));
        var after = _rig.Backend("api", "v1").Requests + _rig.Backend("web", "v1").Requests
            + _rig.Backend("api", "v2").Requests + _rig.Backend("web", "v2").Requests;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Healthz_OnPublicAddress_ProxiedToTheBackend()
    {
        var reply = await _rig.GetAsync("/healthz", "alice");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("web", reply.Body!.Route);
        Assert.Equal("/healthz", reply.Body.Path);
        Assert.Equal(reply.Body.Version, reply.CanaryVersion);
    }

    [Fact]
    public void Addresses_LoopbackAndDistinctPorts()
    {
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(_rig.Host.PublicAddress.Host)));
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(_rig.Host.AdminAddress.Host)));
        Assert.NotEqual(0, _rig.Host.PublicAddress.Port);
        Assert.NotEqual(0, _rig.Host.AdminAddress.Port);
        Assert.NotEqual(_rig.Host.PublicAddress.Port, _rig.Host.AdminAddress.Port);
    }
}

using System.Net;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>The admin API and the router's metrics are not reachable on PublicUrls: those paths go to the backends like any other.</summary>
public sealed class PublicAddressTests(AdminRigFixture fixture) : IClassFixture<AdminRigFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    [Theory]
    [InlineData("GET", "/admin/releases")]
    [InlineData("GET", "/admin/releases/shop")]
    [InlineData("GET", "/admin/releases/shop/events")]
    [InlineData("PUT", "/admin/releases/shop/weight")]
    [InlineData("POST", "/admin/releases/shop/promote")]
    [InlineData("POST", "/admin/releases/shop/rollback")]
    [InlineData("GET", "/admin/openapi.json")]
    public async Task AdminPath_OnPublicAddress_ProxiedNotAnsweredAndNothingChanged(string method, string path)
    {
        var before = await _rig.SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_rig.Host.PublicAddress, path));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + AdminRig.Key);
        request.Headers.TryAddWithoutValidation("X-User-Id", Cohorts.User(1));
        if (method != "GET")
        {
            request.Content = AdminRig.Json("{\"weight\": 100}");
        }

        using var response = await _rig.Client.SendAsync(request);

        // A backend answered (the web route's catch-all), not the router's admin API.
        var reply = await RouterRig.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("web", reply.Body!.Route);
        Assert.Equal(path, reply.Body.Path);
        Assert.Equal(reply.Body.Version, reply.BackendVersion);
        Assert.Null(response.Headers.ETag);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        await _rig.AssertUnchangedAsync(before);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", Cohorts.FirstUserOn("v1", AdminRigFixture.Weight))).Body!.Version);
    }

    [Fact]
    public async Task Metrics_OnPublicAddress_TheBackendsNotTheRouters()
    {
        using var response = await _rig.Client.GetAsync(new Uri(_rig.Host.PublicAddress, "/metrics"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.Headers.Contains(TestBackend.VersionHeader), "the router answered /metrics on the public address");
        Assert.DoesNotContain("canary_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("# TYPE", text, StringComparison.Ordinal);

        // ...while the admin address has them.
        using var admin = await _rig.Client.GetAsync(new Uri(_rig.Host.AdminAddress, "/metrics"));
        Assert.Contains("canary_weight_percent", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

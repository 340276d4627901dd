namespace Canary.Router.FunctionalTests.Routing;

/// <summary>X-Canary-Version is the router's statement of the version that served a response: one value, its own.</summary>
public sealed class CanaryHeaderTests(SharedRouterFixture fixture) : IClassFixture<SharedRouterFixture>
{
    private readonly RouterRig _rig = fixture.Rig;

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task BackendSendsItsOwnCanaryHeader_RouterValueOnly(string version)
    {
        var reply = await _rig.GetAsync("/api/version?canary-header=v9", Cohorts.FirstUserOn(version, SharedRouterFixture.Weight));

        Assert.Equal(version, reply.Body!.Version);
        Assert.Equal(version, reply.CanaryVersion);
    }
}

using Canary.Router.State;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>Changes made through the state store take effect on the next request, without a restart.</summary>
public sealed class RuntimeChangeTests : IAsyncLifetime
{
    private const int Users = 50;
    private RouterRig _rig = null!;

    public async Task InitializeAsync() => _rig = await RouterRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task SetWeight_ZeroHundredZero_EffectiveOnNextRequest()
    {
        Assert.Equal(["v1"], await VersionsOfAllUsersAsync());

        Apply(s => ReleaseTransitions.SetWeight(s, 100));
        Assert.Equal(["v2"], await VersionsOfAllUsersAsync());

        Apply(s => ReleaseTransitions.SetWeight(s, 0));
        Assert.Equal(["v1"], await VersionsOfAllUsersAsync());
    }

    [Fact]
    public async Task SetWeight_Fifty_EachUserByBucket()
    {
        Apply(s => ReleaseTransitions.SetWeight(s, 50));

        for (var i = 0; i < Users; i++)
        {
            var user = Cohorts.User(i);
            var reply = await _rig.GetAsync("/api/version", user);

            Assert.Equal(Cohorts.Expected(user, 50), reply.Body!.Version);
            Assert.Equal(reply.Body.Version, reply.CanaryVersion);
        }
    }

    [Fact]
    public async Task Rollback_SegmentToCanaryStopsAndEveryoneOnStable()
    {
        Apply(s => ReleaseTransitions.SetWeight(s, 100));
        var user = Cohorts.User(1);
        Assert.Equal("v2", (await _rig.GetAsync("/api/version", user)).Body!.Version);

        Apply(ReleaseTransitions.Rollback);

        Assert.Equal("v1", (await _rig.GetAsync("/api/version", user)).Body!.Version);
        Assert.Equal("v1", (await _rig.GetAsync("/api/version", user, headers: ("X-Beta", "true"))).Body!.Version);
        Assert.Equal("v1", (await _rig.GetAsync("/", user, headers: ("X-Staff", "1"))).Body!.Version);
    }

    [Fact]
    public async Task Promote_EveryoneOnFormerCanaryWithItsHeader()
    {
        Apply(s => ReleaseTransitions.SetWeight(s, 10));

        Apply(ReleaseTransitions.Promote);

        Assert.Equal(["v2"], await VersionsOfAllUsersAsync());
        var anonymous = await _rig.GetAsync("/");
        Assert.Equal("v2", anonymous.Body!.Version);
        Assert.Equal("v2", anonymous.CanaryVersion);
    }

    private void Apply(Func<ReleaseState, Transition> transition)
    {
        var result = _rig.Host.Core.Store.Apply(RouterRig.Release, transition, new ChangeCause(Actor.Operator, "test", "operator", "a test changed it"));
        Assert.NotNull(result);
        Assert.Null(result.Value.Refusal);
    }

    /// <summary>The distinct versions that served the users on both routes, checked against the response header.</summary>
    private async Task<string[]> VersionsOfAllUsersAsync()
    {
        var versions = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Users; i++)
        {
            foreach (var path in new[] { "/", "/api/version" })
            {
                var reply = await _rig.GetAsync(path, Cohorts.User(i));
                Assert.Equal(reply.Body!.Version, reply.CanaryVersion);
                versions.Add(reply.Body.Version);
            }
        }

        return [.. versions];
    }
}

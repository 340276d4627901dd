using System.Net;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>Users with a key (X-User-Id) through the real router to real backends at 20%.</summary>
public sealed class CohortRoutingTests(SharedRouterFixture fixture) : IClassFixture<SharedRouterFixture>
{
    private const double Weight = SharedRouterFixture.Weight;
    private readonly RouterRig _rig = fixture.Rig;

    [Fact]
    public async Task Split_500Users_CanaryShareMatchesWeightAndHeaderNamesTheBackend()
    {
        const int users = 500;
        var canaryBefore = _rig.Backend("api", "v2").Requests;
        var stableBefore = _rig.Backend("api", "v1").Requests;
        var replies = new ProxyReply[users];

        await Parallel.ForEachAsync(Enumerable.Range(0, users), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            replies[i] = await _rig.GetAsync("/api/version", Cohorts.User(i)));

        for (var i = 0; i < users; i++)
        {
            var reply = replies[i];
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.NotNull(reply.CanaryVersion);
            Assert.Equal(reply.BackendVersion, reply.CanaryVersion);
            Assert.Equal(reply.CanaryVersion, reply.Body!.Version);
            Assert.Equal("api", reply.Body.Route);
            Assert.Equal("/api/version", reply.Body.Path);
            Assert.Equal(Cohorts.Expected(Cohorts.User(i), Weight), reply.CanaryVersion);
        }

        var onCanary = replies.Count(r => r.CanaryVersion == "v2");
        var p = Weight / 100;
        var sd = Math.Sqrt(users * p * (1 - p));
        Assert.True(Math.Abs(onCanary - (users * p)) <= 4.5 * sd, $"{onCanary} of {users} on the canary at {Weight}%");

        // The backends saw exactly that split.
        Assert.Equal(onCanary, _rig.Backend("api", "v2").Requests - canaryBefore);
        Assert.Equal(users - onCanary, _rig.Backend("api", "v1").Requests - stableBefore);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task SameUser_20Requests_SameVersion(string version)
    {
        var user = Cohorts.FirstUserOn(version, Weight);

        for (var i = 0; i < 20; i++)
        {
            var reply = await _rig.GetAsync("/api/cart", user);

            Assert.Equal(version, reply.CanaryVersion);
            Assert.Equal(version, reply.Body!.Version);
        }
    }

    [Fact]
    public async Task SpaAndApiRoutes_200Users_SameVersionPerUser()
    {
        for (var i = 0; i < 200; i++)
        {
            var user = Cohorts.User(1000 + i);

            var page = await _rig.GetAsync("/", user);
            var api = await _rig.GetAsync("/api/version", user);

            Assert.Equal("web", page.Body!.Route);
            Assert.Equal("api", api.Body!.Route);
            Assert.Equal(page.Body.Version, api.Body.Version);
            Assert.Equal(page.CanaryVersion, api.CanaryVersion);
            Assert.Equal(Cohorts.Expected(user, Weight), api.Body.Version);
        }
    }

    [Fact]
    public async Task Assets_UnderWebRoute_FollowTheUsersVersion()
    {
        var user = Cohorts.FirstUserOn("v2", Weight);

        var asset = await _rig.GetAsync("/assets/index-abc123.js", user);

        Assert.Equal("web", asset.Body!.Route);
        Assert.Equal("/assets/index-abc123.js", asset.Body.Path);
        Assert.Equal("v2", asset.Body.Version);
    }

    [Fact]
    public async Task HeaderSegment_UserOnStable_GoesToCanary()
    {
        var user = Cohorts.FirstUserOn("v1", Weight);

        var plain = await _rig.GetAsync("/api/version", user);
        var beta = await _rig.GetAsync("/api/version", user, headers: ("X-Beta", "TRUE"));
        var page = await _rig.GetAsync("/", user, headers: ("X-Beta", "true"));

        Assert.Equal("v1", plain.Body!.Version);
        Assert.Equal("v2", beta.Body!.Version);
        Assert.Equal("v2", beta.CanaryVersion);
        Assert.Equal("v2", page.Body!.Version);
    }

    [Fact]
    public async Task HeaderSegment_OtherValue_NoEffect()
    {
        var user = Cohorts.FirstUserOn("v1", Weight);

        var reply = await _rig.GetAsync("/api/version", user, headers: ("X-Beta", "false"));

        Assert.Equal("v1", reply.Body!.Version);
    }

    [Fact]
    public async Task CookieSegment_UserOnStable_GoesToCanary()
    {
        var user = Cohorts.FirstUserOn("v1", Weight);

        var reply = await _rig.GetAsync("/api/version", user, cookie: "theme=dark; canary_tester=1");

        Assert.Equal("v2", reply.Body!.Version);
        Assert.Equal("v2", reply.CanaryVersion);
    }

    [Fact]
    public async Task QuerySegment_UserOnStable_GoesToCanary()
    {
        var user = Cohorts.FirstUserOn("v1", Weight);

        var reply = await _rig.GetAsync("/api/version?preview=on&page=1", user);

        Assert.Equal("v2", reply.Body!.Version);
        Assert.Equal("/api/version", reply.Body.Path);
    }

    [Fact]
    public async Task Segment_NoUserKeyAtAll_StillApplies()
    {
        var reply = await _rig.GetAsync("/", headers: ("X-Beta", "true"));

        Assert.Equal("v2", reply.Body!.Version);
    }

    [Fact]
    public async Task SegmentToStable_UserOnCanary_GoesToStableAndFirstSegmentWins()
    {
        var user = Cohorts.FirstUserOn("v2", Weight);

        var staff = await _rig.GetAsync("/api/version", user, headers: ("X-Staff", "1"));
        var both = await _rig.GetAsync("/api/version", user, headers: [("X-Staff", "1"), ("X-Beta", "true")]);

        Assert.Equal("v1", staff.Body!.Version);
        Assert.Equal("v1", both.Body!.Version);
    }

    [Fact]
    public async Task UserWithKey_NoAnonymousCookieSet()
    {
        var reply = await _rig.GetAsync("/", Cohorts.User(7));

        Assert.Null(reply.SetCookie(RouterRig.AnonymousCookie));
    }

    [Theory]
    [InlineData("/api/version?status=404", HttpStatusCode.NotFound)]
    [InlineData("/api/version?status=500", HttpStatusCode.InternalServerError)]
    [InlineData("/missing?status=404", HttpStatusCode.NotFound)]
    [InlineData("/moved?status=302", HttpStatusCode.Found)]
    public async Task CanaryVersionHeader_OnNon2xxResponses(string path, HttpStatusCode status)
    {
        foreach (var version in new[] { "v1", "v2" })
        {
            var reply = await _rig.GetAsync(path, Cohorts.FirstUserOn(version, Weight));

            Assert.Equal(status, reply.Status);
            Assert.Equal(version, reply.CanaryVersion);
            Assert.Equal(version, reply.BackendVersion);
        }
    }
}

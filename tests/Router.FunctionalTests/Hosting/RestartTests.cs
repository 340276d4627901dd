using Canary.Router.Routing;

namespace Canary.Router.FunctionalTests.Hosting;

public sealed class RestartTests
{
    private const double Weight = 50;

    [Fact]
    public async Task Restart_SameStateFolder_AnonymousUsersKeepTheirVersion()
    {
        await using var rig = await RouterRig.StartAsync(Weight);
        var cookies = new List<(string Value, string Version)>();
        for (var i = 0; i < 10; i++)
        {
            var reply = await rig.GetAsync("/");
            cookies.Add((reply.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!, reply.CanaryVersion!));
        }

        var firstAddress = rig.Host.PublicAddress;
        await rig.RestartRouterAsync();

        Assert.True(File.Exists(Path.Combine(rig.Folder, "router.state.json.cookie-key")), "cookie key not kept beside the state file");
        foreach (var (value, version) in cookies)
        {
            foreach (var path in new[] { "/", "/api/version" })
            {
                var reply = await rig.GetAsync(path, cookie: $"{RouterRig.AnonymousCookie}={value}");

                Assert.Empty(reply.SetCookies);
                Assert.Equal(version, reply.CanaryVersion);
                Assert.Equal(version, reply.Body!.Version);
            }
        }

        Assert.NotNull(firstAddress);
    }

    [Fact]
    public async Task OtherRouter_OtherKey_CookieReplaced()
    {
        // The counterpart of the restart test: without the same key a cookie is not believed.
        await using var first = await RouterRig.StartAsync(Weight);
        await using var second = await RouterRig.StartAsync(Weight);
        var value = (await first.GetAsync("/")).SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;

        var reply = await second.GetAsync("/", cookie: $"{RouterRig.AnonymousCookie}={value}");

        var replaced = reply.SetCookie(RouterRig.AnonymousCookie);
        Assert.NotNull(replaced);
        Assert.NotEqual(AnonymousId.IdOf(value), AnonymousId.IdOf(replaced.Value.Value!));
    }
}

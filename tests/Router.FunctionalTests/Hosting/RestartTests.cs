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

        await rig.RestartRouterAsync();

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
    }

    [Fact]
    public async Task Start_NoKeyInEnvironment_KeyFileBesideStateFileReadableByOwnerOnly()
    {
        await using var rig = await RouterRig.StartAsync(Weight);

        // router.json names the state file relatively: it resolves against router.json's folder, not the working directory.
        var keyFile = Path.Combine(rig.Folder, "router.state.json.cookie-key");
        Assert.True(File.Exists(keyFile), "no cookie key beside the state file");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.Equal(32, Convert.FromBase64String(await File.ReadAllTextAsync(keyFile)).Length);
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

    [Fact]
    public async Task Restart_CorruptKeyFile_KeptAsideNewKeyAndReported()
    {
        await using var rig = await RouterRig.StartAsync(Weight);
        var keyFile = Path.Combine(rig.Folder, "router.state.json.cookie-key");

        await rig.RestartRouterAsync(() => File.WriteAllTextAsync(keyFile, "not a key"));

        var aside = Assert.Single(Directory.GetFiles(rig.Folder, "router.state.json.cookie-key.corrupt-*"));
        Assert.Equal("not a key", await File.ReadAllTextAsync(aside));
        Assert.Equal(32, Convert.FromBase64String(await File.ReadAllTextAsync(keyFile)).Length);
        var warning = Assert.Single(rig.Host.Core.StartupWarnings);
        Assert.Contains(Path.GetFileName(aside), warning, StringComparison.Ordinal);
        Assert.Contains(rig.Host.Core.Events.For("shop"), e => e.Action == "cookie-key-corrupt");
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>
/// router.json replaced the ways deployments replace it (a temporary file renamed into place, a Kubernetes ConfigMap's
/// <c>..data</c> symlink swapped), and edits that change nothing or take a release away and back: the watcher sees
/// them all, and revisions move only for real changes, always upwards.
/// </summary>
public sealed class ConfigReplacementTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(3);
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task RenamedIntoPlace_Applies()
    {
        _rig.ReleaseConfig["Weight"] = 100;
        var temporary = Path.Combine(_rig.Folder, ".router.json.swp");
        await File.WriteAllTextAsync(temporary, _rig.Config.ToJsonString());

        File.Move(temporary, _rig.ConfigPath, overwrite: true);

        await AdminRig.EventuallyAsync(async () => (double)(await _rig.ReleaseAsync())["weight"]! == 100, Within, "the renamed file applied");
        Assert.Equal("v2", (await _rig.GetAsync("/api/x", Cohorts.User(1))).Body!.Version);
    }

    [Fact]
    public async Task ConfigMapSymlinkSwap_Applies()
    {
        // The layout the kubelet makes: router.json -> ..data/router.json, ..data -> ..<timestamp>.
        await _rig.RestartRouterAsync(async () =>
        {
            var first = Directory.CreateDirectory(Path.Combine(_rig.Folder, "..2026_12_01_first")).FullName;
            File.Move(_rig.ConfigPath, Path.Combine(first, "router.json"));
            File.CreateSymbolicLink(Path.Combine(_rig.Folder, "..data"), Path.GetFileName(first));
            File.CreateSymbolicLink(_rig.ConfigPath, Path.Combine("..data", "router.json"));
            await Task.CompletedTask;
        });
        Assert.Equal(0, (double)(await _rig.ReleaseAsync())["weight"]!);

        // An update: a new timestamped folder, a new ..data_tmp link renamed over ..data in one rename(2).
        var second = Directory.CreateDirectory(Path.Combine(_rig.Folder, "..2026_12_01_second")).FullName;
        _rig.ReleaseConfig["Weight"] = 100;
        await File.WriteAllTextAsync(Path.Combine(second, "router.json"), _rig.Config.ToJsonString());
        File.CreateSymbolicLink(Path.Combine(_rig.Folder, "..data_tmp"), Path.GetFileName(second));
        Rename(Path.Combine(_rig.Folder, "..data_tmp"), Path.Combine(_rig.Folder, "..data"));

        await AdminRig.EventuallyAsync(async () => (double)(await _rig.ReleaseAsync())["weight"]! == 100, Within, "the swapped ConfigMap applied");
        Assert.Equal("v2", (await _rig.GetAsync("/api/x", Cohorts.User(1))).Body!.Version);
    }

    [Fact]
    public async Task SameValuesRewritten_NoRevisionNoEvent()
    {
        var before = await _rig.SnapshotAsync();

        // Other formatting and a touch, then an edit whose effect is visible, to know the watcher has run.
        await File.WriteAllTextAsync(_rig.ConfigPath, _rig.Config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        await Task.Delay(Configuration.ConfigWatcher.Debounce * 3);
        File.SetLastWriteTimeUtc(_rig.ConfigPath, DateTime.UtcNow);
        await Task.Delay(Configuration.ConfigWatcher.Debounce * 3);

        await _rig.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task ReleaseRemovedThenAddedBack_RevisionKeepsGrowing()
    {
        using (var response = await _rig.PutWeightAsync(30))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var revision = (long)(await _rig.ReleaseAsync())["revision"]!;
        var releases = _rig.Config["Router"]!["Releases"]!.AsObject();
        var shop = releases[AdminRig.Release]!.DeepClone();
        releases.Remove(AdminRig.Release);
        releases["other"] = OtherRelease(shop);
        await File.WriteAllTextAsync(_rig.ConfigPath, _rig.Config.ToJsonString());
        await AdminRig.EventuallyAsync(async () => (await _rig.SendAdminAsync(HttpMethod.Get, AdminRig.ReleasePath)).StatusCode == HttpStatusCode.NotFound, Within, "the release removed");

        releases[AdminRig.Release] = shop;
        await File.WriteAllTextAsync(_rig.ConfigPath, _rig.Config.ToJsonString());
        await AdminRig.EventuallyAsync(async () => (await _rig.SendAdminAsync(HttpMethod.Get, AdminRig.ReleasePath)).StatusCode == HttpStatusCode.OK, Within, "the release back");

        var back = await _rig.ReleaseAsync();
        Assert.Equal(revision + 1, (long)back["revision"]!);
        Assert.Equal(0, (double)back["weight"]!);

        // And across a restart too.
        await _rig.RestartRouterAsync();
        Assert.Equal(revision + 1, (long)(await _rig.ReleaseAsync())["revision"]!);
    }

    // Another release on its own path, so the folder never has no release at all.
    private static JsonObject OtherRelease(JsonNode shop)
    {
        var other = shop.DeepClone().AsObject();
        other["Segments"] = new JsonArray();
        var api = other["Routes"]!["api"]!.DeepClone().AsObject();
        api["Path"] = "/other/{**rest}";
        other["Routes"] = new JsonObject { ["api"] = api };
        return other;
    }

    private static void Rename(string from, string to)
    {
        // rename(2) of a symlink over another, as the kubelet does (mv -T: no following the destination).
        using var mv = Process.Start(new ProcessStartInfo("mv", ["-T", from, to]) { UseShellExecute = false })!;
        mv.WaitForExit();
        Assert.Equal(0, mv.ExitCode);
    }
}

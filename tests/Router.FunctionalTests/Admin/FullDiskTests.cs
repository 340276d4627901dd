using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>
/// The state folder on a real tmpfs (<c>mount -t tmpfs -o size=...</c>, as root), filled up: a guard rollback takes
/// the failing canary off users at once and reaches the disk once space is back; an operator's write is refused with
/// 503 problem details and changes nothing.
/// </summary>
public sealed class FullDiskTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(5);
    private AdminRig _rig = null!;
    private string _disk = null!;

    private string StatePath => Path.Combine(_disk, "router.state.json");

    private string Filler => Path.Combine(_disk, "filler");

    public async Task InitializeAsync()
    {
        _rig = await AdminRig.StartAsync(weight: 50);
        _disk = Directory.CreateDirectory(Path.Combine(_rig.Folder, "disk")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", _disk);
        await _rig.RestartRouterAsync(() =>
        {
            _rig.Config["Router"]!["StateFile"] = StatePath;
            _rig.ReleaseConfig["Guard"] = new JsonObject { ["WindowSeconds"] = 10, ["MinRequests"] = 10, ["MaxErrorRate"] = 0.2 };
            return File.WriteAllTextAsync(_rig.ConfigPath, _rig.Config.ToJsonString());
        });
    }

    public async Task DisposeAsync()
    {
        await _rig.StopRouterAsync();
        Run("umount", "-l", _disk);
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task OperatorWrite_DiskFull_503AndNothingChanged()
    {
        var before = await _rig.SnapshotAsync();
        FillDisk();

        using var response = await _rig.PutWeightAsync(70);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("nothing changed", (string?)problem["detail"], StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", AdminRig.UserMovedBetween(50, 70))).Body!.Version);
        Assert.True(await _rig.MetricAsync("canary_state_write_failures_total") >= 1);

        File.Delete(Filler);
        using var retry = await _rig.PutWeightAsync(70);
        Assert.Equal(70, (double)(await AdminRig.OkReleaseAsync(retry))["weight"]!);
        Assert.Contains("\"weight\": 70", await File.ReadAllTextAsync(StatePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GuardRollback_DiskFull_OffUsersAtOnceAndOnDiskOnceSpaceIsBack()
    {
        var canaryUser = Cohorts.FirstUserOn("v2", 50);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _rig.GetAsync("/api/ok", Cohorts.FirstUserOn("v1", 50))).Status);
        }

        FillDisk();

        // The canary fails every request while stable keeps serving (the guard compares the two): it rolls back
        // although nothing can be written.
        await AdminRig.EventuallyAsync(async () =>
        {
            await _rig.GetAsync("/api/ok", Cohorts.FirstUserOn("v1", 50));
            await _rig.GetAsync("/api/x?status=500", canaryUser);
            return (string?)(await _rig.ReleaseAsync())["phase"] == "RolledBack";
        }, Within, "the guard rolled back on a full disk");
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", canaryUser)).Body!.Version);
        Assert.DoesNotContain("RolledBack", await File.ReadAllTextAsync(StatePath), StringComparison.Ordinal);
        // The rollback is published before its write is tried, so the failed write is counted a moment later.
        await AdminRig.EventuallyAsync(async () => await _rig.MetricAsync("canary_state_write_failures_total") >= 1,
            Within, "the failed write counted");

        // Space comes back: the rollback reaches the disk without anyone acting.
        File.Delete(Filler);
        await AdminRig.EventuallyAsync(async () => (await File.ReadAllTextAsync(StatePath)).Contains("RolledBack", StringComparison.Ordinal),
            Within, "the rollback written once space was back");
        await _rig.RestartRouterAsync();
        Assert.Equal("RolledBack", (string?)(await _rig.ReleaseAsync())["phase"]);
    }

    private void FillDisk()
    {
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
                filler.Flush();
            }
        }
        catch (IOException)
        {
            // No space left on device: full.
        }
    }

    private static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed ({process.ExitCode}): {error} (the test needs root for tmpfs)");
    }
}

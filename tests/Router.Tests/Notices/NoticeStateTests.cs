using Canary.Router.Configuration;
using Canary.Router.State;

namespace Canary.Router.Tests.Notices;

/// <summary>A notice is release state: it earns a revision, it is written and read back, and router.json edits keep it.</summary>
public sealed class NoticeStateTests
{
    private static readonly DateTimeOffset From = new(2026, 12, 2, 22, 0, 0, TimeSpan.Zero);
    private static readonly ReleaseNotice Notice = new("Maintenance tonight", From, From.AddHours(1));

    private static ReleaseOptions Options(string canary = "v2") => new()
    {
        Name = "shop",
        Stable = "v1",
        Canary = canary,
        Weight = 10,
        Routes = [new RouteOptions { Name = "api", Path = "/api/{**rest}", Versions = new Dictionary<string, YarpCluster>() }],
    };

    [Fact]
    public void SetNotice_ChangesTheStateAndClearingTwiceIsRefused()
    {
        var state = ReleaseState.FromOptions(Options());

        var noticed = ReleaseTransitions.SetNotice(state, Notice).Next!;

        Assert.False(noticed.SameAs(state));
        Assert.True(noticed.SameAs(ReleaseTransitions.SetNotice(noticed, Notice with { }).Next!));
        var cleared = ReleaseTransitions.ClearNotice(noticed).Next!;
        Assert.True(cleared.SameAs(state));
        Assert.NotNull(ReleaseTransitions.ClearNotice(cleared).Refusal);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(3599, true)]
    [InlineData(3600, false)]
    public void IsActive_FromIncludedUntilExcluded(int secondsAfterFrom, bool active) =>
        Assert.Equal(active, Notice.IsActive(From.AddSeconds(secondsAfterFrom)));

    [Fact]
    public void StateFile_WrittenAndRead_NoticeRestored()
    {
        var folder = Directory.CreateTempSubdirectory("canary-notice-state-").FullName;
        try
        {
            var file = new StateFile(Path.Combine(folder, "state.json"));
            var state = ReleaseState.FromOptions(Options()) with { Notice = Notice };

            file.Write([state], new Dictionary<string, long>());
            var read = file.Read(TimeProvider.System, out _, out _)!;

            Assert.Equal(Notice, read.Releases!["shop"].Restore(ReleaseState.FromOptions(Options())).Notice);
        }
        finally
        {
            TempFolder.DeleteQuietly(folder);
        }
    }

    [Theory]
    [InlineData("v2")]
    [InlineData("v3")]
    public void Reconcile_EditOfTheFile_KeepsTheNotice(string canary)
    {
        var state = ReleaseState.FromOptions(Options()) with { Notice = Notice };

        Assert.Equal(Notice, ReleaseReconciler.Reconcile(state, Options(canary) with { Weight = 20 }).Next.Notice);
    }
}

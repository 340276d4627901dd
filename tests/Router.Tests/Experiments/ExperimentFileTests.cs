using System.Globalization;
using Canary.Router.Experiments;
using Canary.Testing;

namespace Canary.Router.Tests.Experiments;

public sealed class ExperimentFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-experiments-").FullName;

    public void Dispose() => TempFolder.DeleteQuietly(_folder);

    [Fact]
    public void Write_IdleAndBusyExperiments_ReadBackWithTheirCountsAndIdleOnesSmall()
    {
        var file = new ExperimentFile(Path.Combine(_folder, "router.state.json.experiments.json"));
        var changes = new ChangeSignal();
        var goals = new[] { new GoalOptions { Name = "signup", Type = GoalType.Request, Index = 0 } };
        var started = new DateTimeOffset(2026, 12, 2, 7, 0, 0, TimeSpan.Zero);
        var busy = ExperimentRun.Start(new ExperimentKey("v1", "v2", 1000), started, goals, changes);
        for (var i = 0; i < 500; i++)
        {
            busy.Stable.Expose(UserHash.Of("u" + i.ToString(CultureInfo.InvariantCulture)));
        }

        busy.Stable.Convert(0, UserHash.Of("u7"));
        List<ReleaseExperiment> releases = [new("shop", goals, busy, null, [])];
        for (var i = 0; i < 100; i++)
        {
            releases.Add(new($"idle-{i}", goals, ExperimentRun.Start(new ExperimentKey("v1", "v2", 1000), started, goals, changes), null, []));
        }

        file.Write(releases);
        var saved = file.Read();

        Assert.NotNull(saved);
        var shop = ExperimentFile.ToRun(saved["shop"].Current!, changes);
        Assert.Equal(busy.Stable.Exposed.Count(), shop.Stable.Exposed.Count());
        Assert.InRange(shop.Stable.Exposed.Count(), 490, 510);
        Assert.Equal(1, shop.Stable.Goals[0].Users.Count());
        Assert.Equal(0, shop.Canary.Exposed.Count());
        var idle = ExperimentFile.ToRun(saved["idle-42"].Current!, changes);
        Assert.Equal(0, idle.Stable.Exposed.Count() + idle.Canary.Exposed.Count());

        // Three sketches in use (shop's stable users and goal, nothing else) at 16 KB as base64; 100 idle releases
        // cost their names and figures, not 4 sketches of 16 KB each.
        Assert.InRange(new FileInfo(file.Path).Length, 2 * HyperLogLog.RegisterCount, 100 * 1024);
    }
}

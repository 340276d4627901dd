using Canary.Router.State;

namespace Canary.Router.Tests.State;

public sealed class DecisionLogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-log-").FullName;

    private string Path => System.IO.Path.Combine(_folder, "router.state.json.events.jsonl");

    [Fact]
    public void Record_PastMaxBytes_RotatedNewestKeptAndSequenceContinues()
    {
        var log = new DecisionLog(Path, TimeProvider.System, maxBytes: 4096);
        for (var i = 0; i < 100; i++)
        {
            log.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", $"problem {i}"));
        }

        Assert.True(new FileInfo(Path).Length <= 4096);
        Assert.True(new FileInfo(Path + ".1").Length <= 4096);
        Assert.False(File.Exists(Path + ".2"));
        var newest = File.ReadLines(Path).Last();
        Assert.Contains("problem 99", newest, StringComparison.Ordinal);

        // A restart continues the sequence from the newest event, in order.
        var reopened = new DecisionLog(Path, TimeProvider.System, maxBytes: 4096);
        reopened.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", "after restart"));
        var events = reopened.For("any");
        Assert.Equal(101, events[^1].Sequence);
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
    }

    [Fact]
    public void Open_LargeFile_ReadsOnlyTheTailAndSkipsACutLine()
    {
        using (var writer = new StreamWriter(Path))
        {
            // Far more than the tail a start reads: the first lines are never parsed (they are not even JSON).
            for (var i = 0; i < 200_000; i++)
            {
                writer.WriteLine("x not an event, and long enough to fill megabytes of history quickly ...");
            }
        }

        var writing = new DecisionLog(Path, TimeProvider.System);
        for (var i = 0; i < 5; i++)
        {
            writing.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", $"problem {i}"));
        }

        File.AppendAllText(Path, "{\"sequence\": 6, \"time\": \"2030-01-01T00:00:00Z\", \"act");

        var log = new DecisionLog(Path, TimeProvider.System);

        Assert.Equal([1L, 2, 3, 4, 5], log.For("any").Select(e => e.Sequence));
    }

    [Fact]
    public void Record_AppendFails_KeptInMemoryAndCounted()
    {
        var log = new DecisionLog(Path, TimeProvider.System);
        Directory.CreateDirectory(Path); // The file's place is taken: appends fail.

        log.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", "kept"));

        Assert.Equal("kept", Assert.Single(log.For("any")).Reason);
        Assert.Equal(1, log.FailedAppends);
    }

    public void Dispose() => TempFolder.DeleteQuietly(_folder);
}

using Canary.Router.Configuration;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;
using StackExchange.Redis;

namespace Canary.Router.Tests.State;

/// <summary>Replicas' stores over one real redis-server: compare-and-set, adoption, fail-static writes, rounds (totals, lease, generation).</summary>
public sealed class RedisStateStoreTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-redis-store-").FullName;
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        TempFolder.DeleteQuietly(_folder);
    }

    [Fact]
    public async Task Write_SameRevisionOnTwoReplicas_SecondRefusedStaleThenAdoptsTheFirst()
    {
        // b has not subscribed yet (its first read or round does): it cannot hear of a's write before its own.
        using var a = Start("a");
        using var b = Start("b");

        Assert.Null(a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20))!.Value.Refusal);
        var refused = b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30))!.Value.Refusal;

        Assert.Equal(RefusalKind.StaleRevision, refused!.Kind);
        Assert.Contains("changed on another replica", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(10, b.Store.Get("shop")!.Weight);
        await b.Shared.SyncAsync();
        Assert.Equal(20, b.Store.Get("shop")!.Weight);
        Assert.Equal(a.Store.Get("shop")!.Revision, b.Store.Get("shop")!.Revision);
    }

    [Fact]
    public async Task Events_WrittenWithTheChange_ReadOnEveryReplicaOnce()
    {
        using var a = Start("a");
        using var b = Start("b");
        a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20));
        await b.Shared.SyncAsync();
        b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 40));

        var events = b.Shared.Events("shop")!;
        Assert.Equal(["add", "test", "test"], events.Select(e => e.Action));
        Assert.Equal([20.0, 40.0], events.Skip(1).Select(e => e.After!.Weight));
        Assert.Equal(events.Select(e => e.Sequence), a.Shared.Events("shop")!.Select(e => e.Sequence));
        Assert.True(events.Select(e => e.Sequence).SequenceEqual(events.Select(e => e.Sequence).Order()));
    }

    [Fact]
    public async Task GuardRollback_WhileRedisDown_EffectiveNowWrittenWhenBack()
    {
        using var a = Start("a");
        using var b = Start("b");
        _redis.Kill();

        Assert.Equal(RefusalKind.Unavailable, a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50))!.Value.Refusal!.Kind);
        a.Store.Apply("shop", s => ReleaseTransitions.GuardRollback(s, "v2"), StoreRig.Guard);
        Assert.Equal(ReleasePhase.RolledBack, a.Store.Get("shop")!.Phase);
        Assert.True(a.Store.Unwritten);

        await _redis.StartAgainAsync();
        await UntilAsync(async () =>
        {
            await a.Shared.SyncAsync();
            return !a.Store.Unwritten;
        });

        // b's connection comes back on its own schedule: a sync before it reconnects reads nothing.
        await UntilAsync(async () =>
        {
            await b.Shared.SyncAsync();
            return b.Store.Get("shop")!.Revision == a.Store.Get("shop")!.Revision;
        });
        Assert.Equal(ReleasePhase.RolledBack, b.Store.Get("shop")!.Phase);
        Assert.Equal(a.Store.Get("shop")!.Revision, b.Store.Get("shop")!.Revision);
        Assert.Equal("rollback", b.Shared.Events("shop")![^1].Action);
    }

    [Fact]
    public async Task GuardRollback_ReleaseChangedMeanwhile_DroppedForTheFleetsState()
    {
        using var a = Start("a");
        using var b = Start("b");
        _redis.Kill();
        a.Store.Apply("shop", s => ReleaseTransitions.GuardRollback(s, "v2"), StoreRig.Guard);
        await _redis.StartAgainAsync();

        // Another replica changes the release before this one could write its rollback.
        await UntilAsync(() => Task.FromResult(b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 50))!.Value.Refusal is null));
        await UntilAsync(async () =>
        {
            await a.Shared.SyncAsync();
            return !a.Store.Unwritten;
        });

        Assert.Equal(50, a.Store.Get("shop")!.Weight);
        Assert.Equal(ReleasePhase.Progressing, a.Store.Get("shop")!.Phase);
        Assert.DoesNotContain(a.Shared.Events("shop")!, e => e.Action == "rollback");
    }

    [Fact]
    public async Task Sync_RedisLostItsData_ReplicaWritesItsStateAgain()
    {
        using var a = Start("a");
        a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20));
        using (var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }

        await a.Shared.SyncAsync();
        using var b = Start("b");
        Assert.Equal(20, b.Store.Get("shop")!.Weight);
        Assert.Equal(a.Store.Get("shop")!.Revision, b.Store.Get("shop")!.Revision);
    }

    [Fact]
    public async Task Round_TwoReplicas_EachSeesTheSumSinceItsFirstRound()
    {
        using var a = Start("a");
        using var b = Start("b");
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        Record(a.Counters, 5, failures: 1);
        Record(b.Counters, 7, failures: 3);

        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        await a.Shared.RoundAsync();
        Record(b.Counters, 2, failures: 0);
        await b.Shared.RoundAsync();

        Assert.Equal(new CountSnapshot(12, 4, 0, 0, 12, 0), a.Counters.For("shop", "v2").Fleet());
        Assert.Equal(new CountSnapshot(14, 4, 0, 0, 14, 0), b.Counters.For("shop", "v2").Fleet());

        // A replica started later judges what is counted from then on, not the fleet's past.
        using var c = Start("c");
        await c.Shared.RoundAsync();
        Assert.Equal(default, c.Counters.For("shop", "v2").Fleet());
        Record(a.Counters, 3, failures: 3);
        await a.Shared.RoundAsync();
        await c.Shared.RoundAsync();
        Assert.Equal(new CountSnapshot(3, 3, 0, 0, 3, 0), c.Counters.For("shop", "v2").Fleet());
    }

    [Fact]
    public async Task Round_PushRetriedAfterItsAnswerWasLost_CountedOnce()
    {
        using var a = Start("a", ",asyncTimeout=300,syncTimeout=300");
        using var b = Start("b");
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        Record(a.Counters, 5, failures: 2);

        // Redis stalls: a's push times out unanswered, then runs when Redis resumes; a pushes again in its next round.
        _redis.Pause();
        await a.Shared.RoundAsync();
        Assert.NotNull(a.Shared.Error);
        _redis.Resume();
        await UntilAsync(async () =>
        {
            await a.Shared.RoundAsync();
            return a.Shared.Error is null;
        });
        await b.Shared.RoundAsync();

        Assert.Equal(new CountSnapshot(5, 2, 0, 0, 5, 0), b.Counters.For("shop", "v2").Fleet());
    }

    [Fact]
    public async Task Round_ReplicaStoppedPushing_GoneFromRedisItsCountsStay()
    {
        var lifetime = TimeSpan.FromMilliseconds(500);
        using var a = Start("a", lifetime: lifetime);
        using (var b = Start("b", lifetime: lifetime))
        {
            await a.Shared.RoundAsync();
            await b.Shared.RoundAsync();
            await a.Shared.RoundAsync();
            Record(b.Counters, 4, failures: 4);
            await b.Shared.RoundAsync();
        }

        await a.Shared.RoundAsync();
        Assert.Equal(new CountSnapshot(4, 4, 0, 0, 4, 0), a.Counters.For("shop", "v2").Fleet());
        using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        await UntilAsync(async () =>
        {
            await a.Shared.RoundAsync();
            return await admin.GetDatabase().HashLengthAsync("{test:}pushes") == 1;
        });

        // b's counts stay in a's sum (its windows never see totals go down); Redis holds only a's totals.
        Assert.Equal(new CountSnapshot(4, 4, 0, 0, 4, 0), a.Counters.For("shop", "v2").Fleet());
        Assert.Equal([a.Shared.Replica], (await admin.GetDatabase().HashKeysAsync("{test:}totals")).Select(k => (string)k!));
        Record(a.Counters, 1, failures: 0);
        await a.Shared.RoundAsync();
        Assert.Equal(new CountSnapshot(5, 4, 0, 0, 5, 0), a.Counters.For("shop", "v2").Fleet());
    }

    [Fact]
    public async Task Round_Announced_OtherReplicaCountsItWithoutARound()
    {
        using var a = Start("a");
        var counted = 0;
        using var b = Start("b", peersCounted: () => Interlocked.Increment(ref counted));
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        Record(a.Counters, 3, failures: 3);

        Assert.True(a.Shared.CanaryFailed());
        await a.Shared.RoundAsync(announce: true);
        Assert.False(a.Shared.CanaryFailed());

        await UntilAsync(() => Task.FromResult(Volatile.Read(ref counted) == 1));
        Assert.Equal(new CountSnapshot(3, 3, 0, 0, 3, 0), b.Counters.For("shop", "v2").Fleet());
    }

    [Fact]
    public async Task Round_AnnouncedCanaryFailures_OtherReplicaAskedToPushItsOwnAtOnce()
    {
        using var a = Start("a");
        var counted = 0;
        using var b = Start("b", peersCounted: () => Interlocked.Increment(ref counted));
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        Record(b.Counters, 4, failures: 0);
        Record(a.Counters, 2, failures: 2);

        await a.Shared.RoundAsync(announce: true);

        // b's successes since its last round go out now, not at its next one: a guard that took a's failures with
        // b's old totals would take b's successes, arriving later, for a recovery.
        await UntilAsync(() => Task.FromResult(Volatile.Read(ref counted) == 1));
        Assert.True(b.Shared.Signal.PeersFailedPending);
        Assert.True(b.Shared.Unpushed());
        b.Shared.Signal.TakePeersFailed();
        await b.Shared.RoundAsync(announce: true);
        Assert.False(b.Shared.Unpushed());

        // And stamped with the moment of a's push, not its own: its successes are judged before a's failures.
        using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var totals = admin.GetDatabase().HashGetAll("{test:}totals").ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        PeerTotals.Parse(totals[a.Shared.Replica], out var failedAt);
        PeerTotals.Parse(totals[b.Shared.Replica], out var answeredAt);
        Assert.Equal(failedAt, answeredAt);
        await UntilAsync(() => Task.FromResult(a.Counters.For("shop", "v2").Peers.Requests == 4));
        Assert.Equal(new CountSnapshot(4, 0, 0, 0, 4, 0), a.Counters.For("shop", "v2").PeerSteps.At(failedAt));
        Assert.Equal(default, a.Counters.For("shop", "v2").PeerSteps.At(failedAt - 1));
    }

    [Fact]
    public async Task Announced_StampAheadOfThisReplicasClock_PlacedWhereItArrived()
    {
        using var b = Start("b");
        await b.Shared.RoundAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var ahead = PeerSteps.Stamp(TimeProvider.System) + 10_000_000;

        // A replica whose clock runs 10 s ahead: first sight, then a push of 5 canary requests stamped in b's future.
        await admin.GetSubscriber().PublishAsync(RedisChannel.Literal("{test:}counts"), $"z 1\nat {ahead}\n");
        await admin.GetSubscriber().PublishAsync(RedisChannel.Literal("{test:}counts"), $"z 2\nat {ahead}\nshop v2 5 0 0 0 5 0\n");
        await UntilAsync(() => Task.FromResult(b.Counters.For("shop", "v2").Peers.Requests == 5));

        // Counted from when it arrived: a guard looking now places it now, not 10 s on.
        Assert.Equal(5, b.Counters.For("shop", "v2").PeerSteps.At(PeerSteps.Stamp(TimeProvider.System)).Requests);
    }

    [Fact]
    public async Task Round_AnnouncedWithoutNewCanaryFailures_NoPushAskedOf()
    {
        using var a = Start("a");
        var counted = 0;
        using var b = Start("b", peersCounted: () => Interlocked.Increment(ref counted));
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();

        // A push that answers another's failures (successes only), and stable's failures: neither asks for more.
        Record(a.Counters, 4, failures: 0);
        Record(a.Counters, 3, failures: 3, version: "v1");
        await a.Shared.RoundAsync(announce: true);

        await UntilAsync(() => Task.FromResult(Volatile.Read(ref counted) == 1));
        Assert.Equal(new CountSnapshot(4, 0, 0, 0, 4, 0), b.Counters.For("shop", "v2").Fleet());
        Assert.Equal(3, b.Counters.For("shop", "v1").Fleet().Failures);
        Assert.False(b.Shared.Signal.PeersFailedPending);
    }

    [Fact]
    public async Task Round_NothingChanged_OneScriptAndNoStateRead()
    {
        using var a = Start("a");
        await a.Shared.RoundAsync();
        using var stats = await ResetStatsAsync();

        await a.Shared.RoundAsync();
        await a.Shared.RoundAsync();
        await a.Shared.RoundAsync();

        // Calls from scripts count too: three scripts, and each read only the pushes hash (HGETALL), not the state.
        Assert.Equal((3, 3), await CallsAsync(stats));
    }

    [Fact]
    public async Task Round_GenerationMovedUnannounced_ReadsTheState()
    {
        using var a = Start("a");
        await a.Shared.RoundAsync();
        await WriteUnannouncedAsync(a.Store.Get("shop")!, weight: 40);

        Assert.Equal(10, a.Store.Get("shop")!.Weight);
        await a.Shared.RoundAsync();

        Assert.Equal(40, a.Store.Get("shop")!.Weight);
    }

    [Fact]
    public async Task Announced_NextChange_AdoptedFromTheMessageWithoutReadingTheState()
    {
        using var a = Start("a");
        using var b = Start("b");
        await a.Shared.RoundAsync();
        using var stats = await ResetStatsAsync();

        b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 40));

        await UntilAsync(() => Task.FromResult(a.Store.Get("shop")!.Weight == 40));
        Assert.Equal(b.Store.Get("shop")!.Revision, a.Store.Get("shop")!.Revision);
        Assert.False(a.Shared.Signal.ChangedPending);

        // b's write script is the only script run, and nothing read the state (HGETALL).
        Assert.Equal((1, 0), await CallsAsync(stats));

        // a's state is at the write's generation now: its next round reads nothing.
        await a.Shared.RoundAsync();
        Assert.Equal((2, 1), await CallsAsync(stats));
    }

    [Fact]
    public async Task Announced_AfterAChangeItMissed_LeftToTheLoopsRead()
    {
        using var a = Start("a");
        using var b = Start("b");
        await a.Shared.RoundAsync();
        await WriteUnannouncedAsync(a.Store.Get("shop")!, weight: 30);
        await b.Shared.SyncAsync();

        Assert.Null(b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 40))!.Value.Refusal);

        // The message is two generations ahead of a: adopting it alone would skip the weight 30 write.
        await UntilAsync(() => Task.FromResult(a.Shared.Signal.ChangedPending));
        Assert.Equal(10, a.Store.Get("shop")!.Weight);
        await a.Shared.SyncAsync();
        Assert.Equal(40, a.Store.Get("shop")!.Weight);
    }

    [Fact]
    public async Task Announced_WithoutContentAsAnOlderRouterSendsIt_LeftToTheLoopsRead()
    {
        using var a = Start("a");
        await a.Shared.RoundAsync();
        using var other = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);

        await other.GetSubscriber().PublishAsync(RedisChannel.Literal("{test:}changed"), "changed");

        await UntilAsync(() => Task.FromResult(a.Shared.Signal.ChangedPending));
    }

    [Fact]
    public async Task Rehearse_ReleaseWithACanary_SendsNothingAndChangesNothing()
    {
        using var a = Start("a");
        await a.Shared.RoundAsync();
        var before = a.Store.Get("shop")!;
        using var stats = await ResetStatsAsync();

        a.Shared.Rehearse();

        Assert.Same(before, a.Store.Get("shop"));
        Assert.Equal((0, 0), await CallsAsync(stats));
        Assert.Equal(["add"], a.Shared.Events("shop")!.Select(e => e.Action));

        // What the rehearsal built was never taken for written: the next write expects the revision Redis has.
        Assert.Null(a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 20))!.Value.Refusal);
        Assert.Equal(before.Revision + 1, a.Store.Get("shop")!.Revision);
    }

    [Fact]
    public async Task StepWrite_WithoutTheLease_Refused()
    {
        using var a = Start("a");
        using var b = Start("b");
        await a.Shared.RoundAsync();
        await b.Shared.RoundAsync();
        Assert.True(a.Shared.HoldsLease);
        Assert.False(b.Shared.HoldsLease);

        var steps = new ChangeCause(Actor.Steps, "step", "healthy", "a test step");
        var refused = b.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30), steps)!.Value.Refusal;
        Assert.Contains("step lease", refused!.Reason, StringComparison.Ordinal);
        Assert.Null(a.Store.Apply("shop", s => ReleaseTransitions.SetWeight(s, 30), steps)!.Value.Refusal);
    }

    [Fact]
    public void CookieKey_FirstReplicaOffered_EveryReplicaGetsIt()
    {
        using var a = Start("a");
        using var b = Start("b");

        Assert.Equal("first", a.Shared.CookieKey("first"));
        Assert.Equal("first", b.Shared.CookieKey("second"));
    }

    // A write whose announcement was dropped (pub/sub loses messages): the state and generation move, nobody hears.
    private async Task WriteUnannouncedAsync(ReleaseState state, int weight)
    {
        using var other = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var db = other.GetDatabase();
        var next = ReleaseTransitions.SetWeight(state, weight).Next! with { Revision = state.Revision + 1 };
        await db.HashSetAsync("{test:}state", "shop", StateFile.Serialize(next));
        await db.HashSetAsync("{test:}revisions", "shop", next.Revision);
        await db.StringIncrementAsync("{test:}generation");
    }

    // A connection that reads the server's command counts, from zero now.
    private async Task<ConnectionMultiplexer> ResetStatsAsync()
    {
        var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CONFIG", "RESETSTAT");
        return admin;
    }

    // Scripts run (EVALSHA and EVAL) and HGETALL calls (inside scripts too) since the last RESETSTAT.
    private static async Task<(long Scripts, long Reads)> CallsAsync(ConnectionMultiplexer admin)
    {
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var stats = ((string)(await server.ExecuteAsync("INFO", "commandstats"))!).Split('\n');
        long Calls(string command) => stats.Where(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).Sum();
        return (Calls("evalsha") + Calls("eval"), Calls("hgetall"));
    }

    private static void Record(VersionCounters counters, int requests, int failures, string version = "v2")
    {
        for (var i = 0; i < requests; i++)
        {
            counters.For("shop", version).Record(i < failures ? StatusClass.ServerError5xx : StatusClass.Success2xx, grpcFailed: false, LatencySample.Fast);
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "not done within 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>A replica as RouterCore starts one: the fleet's state from Redis over router.json (release shop at 10%).</summary>
    private Replica Start(string name, string configuration = "", TimeSpan? lifetime = null, Action? peersCounted = null)
    {
        var options = new RouterOptions { Releases = [StoreRig.Options("shop")], Redis = _redis.Configuration + configuration, RedisKeyPrefix = "test:" };
        return new Replica(options, Path.Combine(_folder, name + ".state.json"), lifetime, peersCounted);
    }

    private sealed class Replica : IDisposable
    {
        private readonly RouterMetrics _metrics = new();

        public Replica(RouterOptions options, string stateFile, TimeSpan? lifetime, Action? peersCounted)
        {
            Shared = new RedisStateStore(options, new StateFile(stateFile), _metrics.StoreUp, lifetime);
            var persisted = Shared.Read();
            Store = new ReleaseStore(options, Shared, TimeProvider.System);
            Shared.Attach(Store, Counters, peersCounted);
            var restored = persisted?.Restore(options) ?? [];
            Store.Replace(options, RoutingTable.Build(options, _metrics, Counters, RoutingTable.Empty), ReleaseReconciler.Reconcile, StoreRig.Reload, restored.GetValueOrDefault);
        }

        public RedisStateStore Shared { get; }

        public ReleaseStore Store { get; }

        public VersionCounters Counters { get; } = new();

        public void Dispose()
        {
            Shared.Dispose();
            _metrics.Dispose();
        }
    }
}

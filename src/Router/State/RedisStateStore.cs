using System.Globalization;
using System.Text.Json;
using Canary.Router.Configuration;
using Canary.Router.Metrics;
using Prometheus;
using StackExchange.Redis;

namespace Canary.Router.State;

/// <summary>
/// Replica mode: the fleet's one state in Redis, under its key prefix (one hash tag, so a Redis Cluster keeps every key
/// in one slot): <c>state</c> (release: the release as the state file keeps it), <c>revisions</c> (release: revision),
/// <c>events</c> (the decision log, a capped stream), the <c>changed</c> channel, the step <c>lease</c>, the
/// <c>cookie-key</c> and the fleet's running <c>counts</c> per release and version.
/// <list type="bullet">
/// <item>A write is one Lua script: every release it writes must still be at the revision this replica last saw there
/// (compare-and-set), then all are written, logged and announced, or none.</item>
/// <item>Changes of other replicas enter the local store through <see cref="ReleaseStore.Adopt"/> with their
/// revisions (<see cref="SyncAsync"/>: on the channel's message, and every <see cref="SharedStateLoop.Period"/>).</item>
/// <item>Redis unreachable: writes throw (operator changes are refused, guard rollbacks wait), reads keep the last
/// state; the local state file is a cache of the last state Redis had, for a start while Redis is down.</item>
/// </list>
/// </summary>
internal sealed class RedisStateStore : IStatePersistence, IDisposable
{
    /// <summary>How long the step lease lasts unless its holder renews it (every loop period).</summary>
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(3);

    // KEYS: state, revisions, events, lease. ARGV: channel, stream cap, lease holder required ('' = none), n, then n
    // times (release, expected revision, new revision, entry), then the decision-log events.
    private const string WriteScript = """
        if ARGV[3] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[3] then
          return {-1, '', '0'}
        end
        local n = tonumber(ARGV[4])
        for i = 0, n - 1 do
          local have = redis.call('HGET', KEYS[2], ARGV[5 + i * 4]) or '0'
          if have ~= ARGV[6 + i * 4] then
            return {0, ARGV[5 + i * 4], have}
          end
        end
        for i = 0, n - 1 do
          redis.call('HSET', KEYS[2], ARGV[5 + i * 4], ARGV[7 + i * 4])
          redis.call('HSET', KEYS[1], ARGV[5 + i * 4], ARGV[8 + i * 4])
        end
        for i = 5 + n * 4, #ARGV do
          redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[i])
        end
        redis.call('PUBLISH', ARGV[1], 'changed')
        return {1, '', '0'}
        """;

    // KEYS: lease. ARGV: this replica, milliseconds. 1 when this replica holds it now.
    private const string LeaseScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """;

    // KEYS: the fleet's counts of each release and version. ARGV: their lifetime (ms), then six deltas per key.
    // Returns each key's totals after the addition.
    private const string CountsScript = """
        local fields = {'requests', 'serverErrors', 'transportErrors', 'grpcErrors', 'samples', 'slow'}
        local totals = {}
        for k = 1, #KEYS do
          local row = {}
          for f = 1, 6 do
            row[f] = redis.call('HINCRBY', KEYS[k], fields[f], ARGV[1 + (k - 1) * 6 + f])
          end
          redis.call('PEXPIRE', KEYS[k], ARGV[1])
          totals[k] = row
        end
        return totals
        """;

    /// <summary>A version's fleet counts outlive the last replica counting it by this long.</summary>
    private static readonly TimeSpan CountsLifetime = TimeSpan.FromHours(1);

    // What this replica has added to the fleet's counts so far, per release and version, and what the others had
    // counted before its first push (never news to its guard). The loop's alone.
    private readonly Dictionary<(string Release, string Version), CountSnapshot> _pushed = [];
    private readonly Dictionary<(string Release, string Version), CountSnapshot> _before = [];
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly StateFile _cache;
    private readonly Gauge _up;
    private readonly string _prefix;
    private readonly RedisKey[] _writeKeys;
    private readonly RedisChannel _changed;

    // The revision of each release in Redis when this replica last wrote or read it: what a write expects to find.
    private readonly Dictionary<string, long> _known = new(StringComparer.Ordinal);
    private ReleaseStore? _store;
    private bool _subscribed;
    private volatile string? _error = "not connected yet";
    private long _leaseUntil;

    public RedisStateStore(RouterOptions options, StateFile cache, Gauge up)
    {
        var configuration = ConfigurationOptions.Parse(options.Redis!);

        // A replica starts (from its cache) while Redis is down and reconnects by itself; a command while it is down
        // fails at once instead of waiting in a queue, so an admin write is refused now, not in 5 s.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= "canary-" + Replica;
        _redis = ConnectionMultiplexer.Connect(configuration);
        _db = _redis.GetDatabase();
        _cache = cache;
        _up = up;
        _prefix = "{" + options.RedisKeyPrefix + "}";
        _writeKeys = [_prefix + "state", _prefix + "revisions", _prefix + "events", _prefix + "lease"];
        _changed = RedisChannel.Literal(_prefix + "changed");
        _redis.ConnectionFailed += (_, e) => Down(e.Exception?.Message ?? e.FailureType.ToString());
    }

    /// <summary>This process among the replicas: the lease holder's name.</summary>
    public string Replica { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Poked when another replica announces a change (or a write met one): the loop reads at once.</summary>
    public FailureSignal Wake { get; } = new();

    /// <summary>Why Redis cannot be used now; null while it answers.</summary>
    public string? Error => _error;

    /// <summary>Whether this replica may advance steps and promote now (at most one replica at a time).</summary>
    public bool HoldsLease => TimeProvider.System.GetTimestamp() < Volatile.Read(ref _leaseUntil);

    /// <summary>The fleet's running counts of one release and version.</summary>
    public RedisKey CountsKey(string release, string version) => $"{_prefix}counts:{release}:{version}";

    /// <summary>The store this persists; its remote changes go into it.</summary>
    public void Attach(ReleaseStore store) => _store = store;

    /// <summary>
    /// The state file's document as Redis has it (no retired list: a release keeps its revision there), null when
    /// Redis cannot be read or holds nothing yet. What it returns is what later writes expect to find.
    /// </summary>
    public StateFile.Document? Read()
    {
        try
        {
            var remote = Parse(_db.HashGetAll(_writeKeys[0]));
            Up();
            if (remote.Count == 0)
            {
                return null;
            }

            lock (_known)
            {
                foreach (var (name, entry) in remote)
                {
                    _known[name] = entry.Revision;
                }
            }

            return new StateFile.Document(1, remote);
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return null;
        }
    }

    /// <summary>A start from the local cache while Redis is down: the cache holds the revisions Redis had when last seen.</summary>
    public void StartFrom(StateFile.Document cached)
    {
        lock (_known)
        {
            foreach (var (name, entry) in cached.Releases ?? [])
            {
                _known[name] = entry.Revision;
            }
        }
    }

    public void Write(RouterSnapshot snapshot, IReadOnlyDictionary<string, long> retired, IReadOnlyList<Commit> unwritten)
    {
        lock (_known)
        {
            var writes = snapshot.Releases.Where(r => _known.GetValueOrDefault(r.Name) != r.Revision).ToList();
            if (writes.Count > 0)
            {
                WriteLocked(writes, unwritten);
            }
        }

        WriteCache(snapshot, retired);
    }

    /// <summary>
    /// Reads the fleet's state and adopts what other replicas changed, then writes what this replica still owes
    /// (a rollback made while Redis was down, unless the release changed meanwhile; everything, if Redis lost it).
    /// </summary>
    public async Task SyncAsync()
    {
        Dictionary<string, StateFile.Entry> remote;
        try
        {
            if (!_subscribed)
            {
                // Once subscribed, the connection subscribes again by itself after a reconnection.
                await _redis.GetSubscriber().SubscribeAsync(_changed, (_, _) => Wake.Poke());
                _subscribed = true;
            }

            remote = Parse(await _db.HashGetAllAsync(_writeKeys[0]));
            Up();
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return;
        }

        var store = _store!;
        var lost = false;
        var adopted = store.Adopt(local =>
        {
            lock (_known)
            {
                if (!remote.TryGetValue(local.Name, out var entry))
                {
                    // Redis lost it (restarted without persistence) or it is new there: this replica writes it again.
                    lost |= _known.Remove(local.Name);
                    return null;
                }

                if (entry.Revision <= _known.GetValueOrDefault(local.Name))
                {
                    return null;
                }

                _known[local.Name] = entry.Revision;
                return store.Current.Options.Release(local.Name) is { } options ? entry.Restore(ReleaseState.FromOptions(options)) : null;
            }
        }, new ChangeCause(Actor.Reload, "sync", "replica", "changed on another replica"));
        if (lost)
        {
            store.Rewrite();
        }
        else if (store.Unwritten)
        {
            store.Flush();
        }
        else if (!adopted.IsEmpty)
        {
            WriteCache(store.Current, new Dictionary<string, long>());
        }
    }

    /// <summary>Takes or renews the step lease; it is held until <see cref="LeaseTime"/> after the last renewal Redis acknowledged.</summary>
    public async Task RenewLeaseAsync()
    {
        var asked = TimeProvider.System.GetTimestamp();
        try
        {
            var held = (int)await _db.ScriptEvaluateAsync(LeaseScript, [_writeKeys[3]],
                [Replica, (long)LeaseTime.TotalMilliseconds]) == 1;

            // Counted from before the request, with a margin: this replica stops before Redis lets another take over.
            Volatile.Write(ref _leaseUntil, held ? asked + (long)(LeaseTime.TotalSeconds * 0.8 * TimeProvider.System.TimestampFrequency) : 0);
        }
        catch (Exception e) when (Unreachable(e))
        {
            Volatile.Write(ref _leaseUntil, 0);
            Down(e.Message);
        }
    }

    /// <summary>
    /// Adds what this replica counted since the last push to the fleet's running counts, and takes what the other
    /// replicas counted since its first push (<see cref="VersionCounts.Peers"/>): the guard judges the sum. Redis down: the others' counts
    /// stay as last read, so the guard goes on judging this replica's traffic.
    /// </summary>
    public async Task PushCountsAsync(VersionCounters counters)
    {
        var all = counters.All();
        if (all.Count == 0)
        {
            return;
        }

        var own = all.Select(a => a.Value.Snapshot()).ToArray();
        List<RedisValue> args = [(long)CountsLifetime.TotalMilliseconds];
        for (var i = 0; i < all.Count; i++)
        {
            var delta = own[i].Minus(_pushed.GetValueOrDefault(all[i].Key));
            args.AddRange([delta.Requests, delta.ServerErrors, delta.TransportErrors, delta.GrpcErrors, delta.Samples, delta.Slow]);
        }

        RedisResult[] totals;
        try
        {
            totals = (RedisResult[])(await _db.ScriptEvaluateAsync(CountsScript, [.. all.Select(a => CountsKey(a.Key.Release, a.Key.Version))], [.. args]))!;
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return;
        }

        for (var i = 0; i < all.Count; i++)
        {
            _pushed[all[i].Key] = own[i];
            var row = (long[])totals[i]!;
            var others = new CountSnapshot(row[0], row[1], row[2], row[3], row[4], row[5]).Minus(own[i]);
            if (!_before.TryGetValue(all[i].Key, out var before))
            {
                _before[all[i].Key] = before = others;
            }

            all[i].Value.Peers = all[i].Value.Peers.Max(others.Minus(before));
        }
    }

    /// <summary>The fleet's cookie key: <paramref name="candidate"/> if no replica stored one first; null when Redis cannot be read.</summary>
    public string? CookieKey(string candidate)
    {
        try
        {
            var key = _prefix + "cookie-key";
            _db.StringSet(key, candidate, when: When.NotExists);
            return _db.StringGet(key);
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return null;
        }
    }

    /// <summary>A release's events in the fleet's decision log, oldest first; null when Redis cannot be read.</summary>
    public IReadOnlyList<DecisionEvent>? Events(string release)
    {
        StreamEntry[] entries;
        try
        {
            entries = _db.StreamRange(_writeKeys[2], count: DecisionLog.Capacity, messageOrder: Order.Descending);
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return null;
        }

        List<DecisionEvent> events = [];
        foreach (var entry in entries.Reverse())
        {
            if (JsonSerializer.Deserialize<DecisionEvent>((string)entry["e"]!, DecisionLog.JsonOptions) is { } decision && decision.Release == release)
            {
                // The stream's id orders the fleet's events: milliseconds, then the entry within one.
                var id = ((string)entry.Id!).Split('-');
                events.Add(decision with { Sequence = (long.Parse(id[0], CultureInfo.InvariantCulture) * 1000) + Math.Min(long.Parse(id[1], CultureInfo.InvariantCulture), 999) });
            }
        }

        return events;
    }

    public void Dispose()
    {
        _redis.Dispose();
        Wake.Dispose();
    }

    /// <summary>Whether an exception means Redis could not be reached or did not answer in time.</summary>
    public static bool Unreachable(Exception e) => e is RedisConnectionException or RedisTimeoutException or RedisServerException or TimeoutException;

    public void Down(string error)
    {
        // StackExchange.Redis appends a long diagnostic dump after the first ';': the first part says what happened.
        _error = $"Redis is unreachable: {error.Split(';')[0].Trim()}";
        _up.Set(0);
    }

    private void Up()
    {
        _error = null;
        _up.Set(1);
    }

    private void WriteLocked(List<ReleaseState> writes, IReadOnlyList<Commit> unwritten)
    {
        if (!_redis.IsConnected)
        {
            throw new IOException(_error ?? "Redis is unreachable");
        }

        var written = writes.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        List<RedisValue> args = [_changed.ToString(), DecisionLog.Capacity, unwritten.Any(c => c.Cause.Actor == Actor.Steps) ? Replica : "", writes.Count];
        foreach (var state in writes)
        {
            args.AddRange([state.Name, _known.GetValueOrDefault(state.Name), state.Revision, StateFile.Serialize(state)]);
        }

        foreach (var commit in unwritten)
        {
            foreach (var (release, cause, before, after) in DecisionLog.Entries(commit))
            {
                if (release is not null && written.Contains(release))
                {
                    args.Add(JsonSerializer.Serialize(new DecisionEvent(0, commit.At, release, cause.Actor, cause.Action, cause.Code, cause.Reason, before, after, cause.Figures, cause.Key), DecisionLog.JsonOptions));
                }
            }
        }

        RedisResult[] result;
        try
        {
            result = (RedisResult[])_db.ScriptEvaluate(WriteScript, _writeKeys, [.. args])!;
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            throw new IOException(_error, e);
        }

        switch ((int)result[0])
        {
            case -1:
                throw new StateConflictException("this replica does not hold the step lease");
            case 0:
                Wake.Poke();
                throw new StateConflictException($"release '{result[1]}' was changed on another replica (revision {result[2]})");
        }

        foreach (var state in writes)
        {
            _known[state.Name] = state.Revision;
        }
    }

    // The last state Redis had, for a start while it is down; a cache: a write that fails loses nothing.
    private void WriteCache(RouterSnapshot snapshot, IReadOnlyDictionary<string, long> retired)
    {
        try
        {
            _cache.Write(snapshot.Releases, retired);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next write tries again.
        }
    }

    private static Dictionary<string, StateFile.Entry> Parse(HashEntry[] fields)
    {
        var remote = new Dictionary<string, StateFile.Entry>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if (StateFile.Deserialize(field.Value!) is { } entry)
            {
                remote[field.Name!] = entry;
            }
        }

        return remote;
    }
}

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
/// <c>events</c> (the decision log, a capped stream), <c>generation</c> (moves with every write), the <c>changed</c>
/// channel (each write's releases and the generation it made), the step <c>lease</c>, the <c>cookie-key</c>, and each
/// replica's running totals: <c>totals</c> (replica: <see cref="PeerTotals.Format"/>), <c>pushes</c> (replica: its
/// push's sequence number and Redis time) and the <c>counts</c> channel.
/// <list type="bullet">
/// <item>A write is one Lua script: every release it writes must still be at the revision this replica last saw there
/// (compare-and-set), then all are written, logged and announced, or none.</item>
/// <item>Changes of other replicas enter the local store through <see cref="ReleaseStore.Adopt"/> with their
/// revisions: from the channel's message when it is the only change since this replica's last read (its generation is
/// the next one), else by reading the state (<see cref="SyncAsync"/>: then, and when a round finds the generation moved,
/// the safety net for a dropped message).</item>
/// <item>A round (<see cref="RoundAsync"/>) is one script: lease, this replica's totals, the others' totals that moved,
/// the generation. Its totals replace what it pushed before (never added), so a retried push cannot count twice.</item>
/// <item>Redis unreachable: writes throw (operator changes are refused, guard rollbacks wait), reads keep the last
/// state; the local state file is a cache of the last state Redis had, for a start while Redis is down.</item>
/// </list>
/// </summary>
internal sealed class RedisStateStore : IStatePersistence, IDisposable
{
    /// <summary>How long the step lease lasts unless its holder renews it (every round).</summary>
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(3);

    /// <summary>A replica's totals count this long after its last push: then it is gone (what it counted stays in the sums).</summary>
    public static readonly TimeSpan TotalsLifetime = TimeSpan.FromSeconds(10);

    // KEYS: state, revisions, events, lease, generation. ARGV: channel, stream cap, lease holder required ('' = none), n, then n
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
        if redis.call('EXISTS', KEYS[5]) == 0 then
          -- Started from Redis's clock, so a generation after a flush never equals one a replica holds from before.
          local t = redis.call('TIME')
          redis.call('SET', KEYS[5], t[1] .. string.format('%06d', tonumber(t[2])))
        end
        redis.call('INCR', KEYS[5])
        -- The announcement carries what was written and the generation it made (read back as a string: a Lua number
        -- prints 16 digits as 1.7e+15), so the other replicas adopt it without reading the state.
        local written = {}
        for i = 0, n - 1 do
          written[ARGV[5 + i * 4]] = ARGV[8 + i * 4]
        end
        redis.call('PUBLISH', ARGV[1], cjson.encode({generation = redis.call('GET', KEYS[5]), state = written}))
        return {1, '', '0'}
        """;

    // KEYS: state, generation. The state with the generation it is at.
    private const string ReadScript = """
        return {redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1])}
        """;

    // KEYS: lease, pushes, totals, generation. ARGV: this replica, lease (ms), totals' lifetime (ms), this push's
    // sequence number, whether it pushes (1/0), its totals, the counts channel ('' = no announcement), then pairs of
    // (peer, sequence number last taken). Returns {lease held (1/0), generation, own totals missing (1/0),
    // {peer, sequence, totals (nil when already taken)}...}; forgets peers whose last push is older than the lifetime.
    private const string RoundScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local holder = redis.call('GET', KEYS[1])
        local held = 0
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          held = 1
        elseif not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          held = 1
        end
        local missing = 0
        if ARGV[5] == '1' then
          redis.call('HSET', KEYS[3], ARGV[1], ARGV[6])
          if ARGV[7] ~= '' then
            redis.call('PUBLISH', ARGV[7], ARGV[1] .. ' ' .. ARGV[4] .. '\n' .. ARGV[6])
          end
        elseif redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
          missing = 1
        end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[4] .. ' ' .. now)
        local known = {}
        for i = 8, #ARGV, 2 do
          known[ARGV[i]] = ARGV[i + 1]
        end
        local peers = {}
        local pushes = redis.call('HGETALL', KEYS[2])
        for i = 1, #pushes, 2 do
          local peer = pushes[i]
          if peer ~= ARGV[1] then
            local seq, at = string.match(pushes[i + 1], '(%d+) (%d+)')
            if now - tonumber(at) > tonumber(ARGV[3]) then
              redis.call('HDEL', KEYS[2], peer)
              redis.call('HDEL', KEYS[3], peer)
            else
              table.insert(peers, peer)
              table.insert(peers, seq)
              table.insert(peers, known[peer] ~= seq and (redis.call('HGET', KEYS[3], peer) or '') or false)
            end
          end
        end
        return {held, redis.call('GET', KEYS[4]) or '0', missing, peers}
        """;


    // This replica's part of the fleet's totals, the loop's alone: what its last push carried, and that push's number.
    private Dictionary<(string Release, string Version), CountSnapshot> _pushed = [];
    private long _sequence;
    private bool _pushAgain = true;

    // The stamp of the earliest failure elsewhere this replica's next push answers (0: none), under _peersGate.
    private long _answering;

    // The other replicas' totals; the loop and the counts channel's handler take turns.
    private readonly PeerTotals _peers = new();
    private readonly Lock _peersGate = new();
    private readonly Lock _cacheGate = new();
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly StateFile _cache;
    private readonly Gauge _up;
    private readonly string _prefix;
    private readonly RedisKey[] _writeKeys;
    private readonly RedisChannel _changed;
    private readonly RedisChannel _counts;
    private readonly RedisKey[] _roundKeys;
    private readonly TimeSpan _totalsLifetime;

    // The revision of each release in Redis when this replica last wrote or read it: what a write expects to find.
    private readonly Dictionary<string, long> _known = new(StringComparer.Ordinal);
    private ReleaseStore? _store;
    private VersionCounters? _counters;
    private Action? _peersCounted;
    private bool _subscribed;

    // The state's generation in Redis that this replica's state is at (its last read, or an announcement adopted after
    // it); null before the first read. Set by the loop and the channel's handler: a stale value costs one read more.
    private string? _generation;
    private volatile string? _error = "not connected yet";
    private long _leaseUntil;

    /// <param name="totalsLifetime">How long a replica's totals count after its last push (tests shorten it).</param>
    public RedisStateStore(RouterOptions options, StateFile cache, Gauge up, TimeSpan? totalsLifetime = null)
    {
        _totalsLifetime = totalsLifetime ?? TotalsLifetime;
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
        _writeKeys = [_prefix + "state", _prefix + "revisions", _prefix + "events", _prefix + "lease", _prefix + "generation"];
        _roundKeys = [_writeKeys[3], _prefix + "pushes", _prefix + "totals", _writeKeys[4]];
        _changed = RedisChannel.Literal(_prefix + "changed");
        _counts = RedisChannel.Literal(_prefix + "counts");
        _redis.ConnectionFailed += (_, e) => Down(e.Exception?.Message ?? e.FailureType.ToString());
    }

    /// <summary>This process among the replicas: the lease holder's name.</summary>
    public string Replica { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The loop's wake: <see cref="RoundSignal.Changed"/> when another replica announces a change (or a write met
    /// one), <see cref="RoundSignal.Failed"/> when a request of this replica failed, <see cref="RoundSignal.PeersFailed"/>
    /// when the other replicas' totals brought new failures of a canary.
    /// </summary>
    public RoundSignal Signal { get; } = new();

    /// <summary>Why Redis cannot be used now; null while it answers.</summary>
    public string? Error => _error;

    /// <summary>Whether this replica may advance steps and promote now (at most one replica at a time).</summary>
    public bool HoldsLease => TimeProvider.System.GetTimestamp() < Volatile.Read(ref _leaseUntil);

    /// <summary>
    /// The store this persists (its remote changes go into it), and the totals the guard judges (the other replicas'
    /// go into their <see cref="VersionCounts.Peers"/>; <paramref name="peersCounted"/> is called when an announcement brought new ones).
    /// </summary>
    public void Attach(ReleaseStore store, VersionCounters counters, Action? peersCounted = null)
    {
        _store = store;
        _counters = counters;
        _peersCounted = peersCounted;
    }

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
            await SubscribeAsync();
            var read = (RedisResult[])(await _db.ScriptEvaluateAsync(ReadScript, [_writeKeys[0], _writeKeys[4]], []))!;
            remote = Parse((RedisResult[])read[1]!);
            Volatile.Write(ref _generation, (string)read[0]!);
            Up();
        }
        catch (Exception e) when (Unreachable(e))
        {
            Down(e.Message);
            return;
        }

        var store = _store!;
        var adopted = Adopt(remote, whole: true, out var lost);
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
            WriteCache(null, new Dictionary<string, long>());
        }
    }

    /// <summary>
    /// One round, one round trip: takes or renews the step lease (held until <see cref="LeaseTime"/> after the last
    /// renewal Redis acknowledged), pushes this replica's running totals (when they moved; announced on the counts
    /// channel when <paramref name="announce"/>), takes the other replicas' that moved since it last took them into
    /// the guard's totals, then reads the state when its generation moved (or writes what this replica still owes).
    /// Redis down: the others' totals stay as last read, so the guard goes on judging this replica's traffic.
    /// </summary>
    public async Task RoundAsync(bool announce = false)
    {
        var failedAt = Signal.TakeFailedAt();
        var canaryFailed = CanaryFailed();
        var own = OwnTotals();
        var moved = Moved(own);
        if (moved)
        {
            // Every attempt a new number: a push whose answer was lost is not taken for the one that follows it.
            _sequence++;
        }

        List<RedisValue> args = [Replica, (long)LeaseTime.TotalMilliseconds, (long)_totalsLifetime.TotalMilliseconds, _sequence,
            moved ? 1 : 0, "", moved && announce ? _counts.ToString() : ""];
        lock (_peersGate)
        {
            var stamp = Stamp(failedAt, canaryFailed);
            if (moved)
            {
                args[5] = PeerTotals.Format(own, stamp);
            }

            foreach (var (peer, sequence) in _peers.Known)
            {
                args.AddRange([peer, sequence]);
            }
        }

        var asked = TimeProvider.System.GetTimestamp();
        RedisResult[] result;
        try
        {
            await SubscribeAsync();
            result = (RedisResult[])(await _db.ScriptEvaluateAsync(RoundScript, _roundKeys, [.. args]))!;
            Up();
        }
        catch (Exception e) when (Unreachable(e))
        {
            Volatile.Write(ref _leaseUntil, 0);
            Down(e.Message);
            return;
        }

        // Counted from before the request, with a margin: this replica stops before Redis lets another take over.
        Volatile.Write(ref _leaseUntil, (int)result[0] == 1 ? asked + (long)(LeaseTime.TotalSeconds * 0.8 * TimeProvider.System.TimestampFrequency) : 0);
        if (moved)
        {
            _pushed = own;
        }

        // Redis lost this replica's totals (restarted, flushed, or took it for gone): the next round pushes them again.
        _pushAgain = (int)result[2] == 1;
        TakePeers((RedisResult[])result[3]!);

        var store = _store!;
        if ((string)result[1]! != Volatile.Read(ref _generation))
        {
            await SyncAsync();
        }
        else if (store.Unwritten)
        {
            store.Flush();
        }
    }

    /// <summary>
    /// The moment a push's counts are placed at by the others' guards: the first failure it carries when it carries
    /// new failures of a canary, or the earliest failure elsewhere it answers, whichever came first; else now. Its
    /// successes from before that failure are then judged before it, as one process would have seen them, not after
    /// the failures that arrived first. Which moment depends on other requests' outcomes or on this replica's first
    /// failure, never on the outcomes of the requests it places: the guard's tests stay exact. Under _peersGate.
    /// </summary>
    private long Stamp(long failedAt, bool canaryFailed)
    {
        var now = Metrics.PeerSteps.Stamp(TimeProvider.System);
        var stamp = now;
        if (canaryFailed && failedAt > 0)
        {
            stamp = Math.Min(stamp, failedAt);
        }

        if (_answering > 0)
        {
            stamp = Math.Min(stamp, _answering);
        }

        _answering = 0;
        return stamp;
    }

    /// <summary>Whether this replica counted anything its last push did not carry.</summary>
    public bool Unpushed() => Moved(OwnTotals());

    /// <summary>Whether this replica counted failures of a canary that its last push did not carry.</summary>
    public bool CanaryFailed()
    {
        foreach (var release in _store!.Current.Releases)
        {
            if (release.Canary is { } canary
                && _counters!.For(release.Name, canary).Snapshot().Failures > _pushed.GetValueOrDefault((release.Name, canary)).Failures)
            {
                return true;
            }
        }

        return false;
    }

    private Dictionary<(string Release, string Version), CountSnapshot> OwnTotals()
    {
        var own = new Dictionary<(string Release, string Version), CountSnapshot>();
        foreach (var (key, counts) in _counters!.All())
        {
            var totals = counts.Snapshot();
            if (totals != default)
            {
                own[key] = totals;
            }
        }

        return own;
    }

    private bool Moved(Dictionary<(string Release, string Version), CountSnapshot> own) =>
        _pushAgain || own.Count != _pushed.Count || own.Any(o => _pushed.GetValueOrDefault(o.Key) != o.Value);

    // The round's peers: {name, sequence, totals or nil when already taken}... The ones not listed are gone.
    private void TakePeers(RedisResult[] peers)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        lock (_peersGate)
        {
            var changed = false;
            for (var i = 0; i + 2 < peers.Length; i += 3)
            {
                var name = (string)peers[i]!;
                live.Add(name);
                if (!peers[i + 2].IsNull)
                {
                    var totals = PeerTotals.Parse((string)peers[i + 2]!, out var at);
                    changed |= _peers.Merge(name, long.Parse((string)peers[i + 1]!, CultureInfo.InvariantCulture), totals, Arrived(at));
                }
            }

            changed |= _peers.Keep(live);
            if (changed && ApplyPeers() is { } failedAt)
            {
                Answer(failedAt);
            }
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
        Signal.Dispose();
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

    /// <summary>
    /// Builds, without sending, the write a guard rollback would make (of the first release; every release's write
    /// runs the same code). A replica's first write runs code nothing before it ran, and the runtime compiles it then:
    /// 25 methods, which under the guard benchmark's load took the rollback's way to Redis from 5 to 16 ms (median; CPU
    /// 1.5 against 7 ms) while the other replicas still served the failing canary. The loop calls this once as it
    /// starts. Nothing is written or changed.
    /// </summary>
    public void Rehearse()
    {
        if (_store!.Current.Releases is not [var state, ..])
        {
            return;
        }

        var figures = new Dictionary<string, double> { ["canaryRequests"] = 1, ["canaryServerErrors"] = 1 };
        var cause = new ChangeCause(Actor.Guard, "rollback", "rehearsal", "a rollback rehearsed, never sent", figures);
        var change = new ReleaseChange(state, state with { Revision = state.Revision + 1 }, cause, DateTimeOffset.UnixEpoch);
        lock (_known)
        {
            // The same shapes as a real write: the store's list of pending commits, one commit per change.
            WriteArguments([change.After], new List<Commit> { Commit.Of(change) });
        }
    }

    private void WriteLocked(List<ReleaseState> writes, IReadOnlyList<Commit> unwritten)
    {
        if (!_redis.IsConnected)
        {
            throw new IOException(_error ?? "Redis is unreachable");
        }

        var args = WriteArguments(writes, unwritten);
        RedisResult[] result;
        try
        {
            result = (RedisResult[])_db.ScriptEvaluate(WriteScript, _writeKeys, args)!;
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
                Signal.Changed();
                throw new StateConflictException($"release '{result[1]}' was changed on another replica (revision {result[2]})");
        }

        foreach (var state in writes)
        {
            _known[state.Name] = state.Revision;
        }
    }

    /// <summary>The write script's arguments: the releases written, each with the revision it expects, and the commits' decision-log events. Under _known.</summary>
    private RedisValue[] WriteArguments(List<ReleaseState> writes, IReadOnlyList<Commit> unwritten)
    {
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
                    args.Add(DecisionLog.Serialize(DecisionEvent.Of(0, commit.At, release, cause, before, after)));
                }
            }
        }

        return [.. args];
    }

    // The last state Redis had, for a start while it is down; a cache: a write that fails loses nothing. The loop, the
    // channel's handler and local writes take turns; an adopted state (snapshot null) is read inside the turn, so the
    // newest state is the one written last.
    private void WriteCache(RouterSnapshot? snapshot, IReadOnlyDictionary<string, long> retired)
    {
        lock (_cacheGate)
        {
            try
            {
                _cache.Write((snapshot ?? _store!.Current).Releases, retired);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The next write tries again.
            }
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

    // HGETALL's reply inside a script: name, value, name, value...
    private static Dictionary<string, StateFile.Entry> Parse(RedisResult[] fields) =>
        Parse([.. Enumerable.Range(0, fields.Length / 2).Select(i => new HashEntry((string)fields[2 * i]!, (RedisValue)fields[(2 * i) + 1]))]);

    private async Task SubscribeAsync()
    {
        if (_subscribed)
        {
            return;
        }

        // Once subscribed, the connection subscribes again by itself after a reconnection.
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(_changed, (_, message) =>
        {
            if (!AdoptAnnounced(message!))
            {
                Signal.Changed();
            }
        });
        await subscriber.SubscribeAsync(_counts, (_, message) => Announced(message!));
        _subscribed = true;
    }

    /// <summary>
    /// The releases of <paramref name="remote"/> whose revision is newer than this replica knows, into the local store.
    /// <paramref name="whole"/>: <paramref name="remote"/> is the fleet's whole state, so a release it lacks is one Redis
    /// lost (<paramref name="lost"/>: this replica writes it again).
    /// </summary>
    private Commit Adopt(Dictionary<string, StateFile.Entry> remote, bool whole, out bool lost)
    {
        var store = _store!;
        var missing = false;
        var adopted = store.Adopt(local =>
        {
            lock (_known)
            {
                if (!remote.TryGetValue(local.Name, out var entry))
                {
                    // Redis lost it (restarted without persistence) or it is new there: this replica writes it again.
                    missing |= whole && _known.Remove(local.Name);
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
        lost = missing;
        return adopted;
    }

    /// <summary>
    /// A write announced on the changed channel (<c>{"generation": ..., "state": {release: entry}}</c>), adopted from
    /// the message when it is the only change since this replica's state (its generation the next one): the rollback
    /// or operator's change is served here without a second round trip. False when the loop should read the state
    /// instead: a message from an older router (no content), or one this replica cannot place (it missed one, or
    /// has not read the state yet). Its own writes' messages adopt nothing and only move its generation on.
    /// </summary>
    internal bool AdoptAnnounced(string message)
    {
        string generation;
        Dictionary<string, StateFile.Entry> written = new(StringComparer.Ordinal);
        try
        {
            using var json = JsonDocument.Parse(message);
            generation = json.RootElement.GetProperty("generation").GetString()!;
            if (json.RootElement.GetProperty("state") is { ValueKind: JsonValueKind.Object } state)
            {
                foreach (var release in state.EnumerateObject())
                {
                    if (StateFile.Deserialize(release.Value.GetString()!) is { } entry)
                    {
                        written[release.Name] = entry;
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentNullException)
        {
            return false;
        }

        var at = Volatile.Read(ref _generation);
        if (!long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var current)
            || !long.TryParse(generation, NumberStyles.None, CultureInfo.InvariantCulture, out var next) || next != current + 1)
        {
            return false;
        }

        var adopted = Adopt(written, whole: false, out _);

        // Unless a read moved it meanwhile (that read saw this write, or a later one).
        Interlocked.CompareExchange(ref _generation, generation, at);
        if (!adopted.IsEmpty)
        {
            WriteCache(null, new Dictionary<string, long>());
        }

        return true;
    }

    // Another replica's push that came forward (new failures of a canary): into the guard's totals now, not at the next round.
    private void Announced(string message)
    {
        var header = message.IndexOf('\n', StringComparison.Ordinal);
        var words = header < 0 ? [] : message[..header].Split(' ');
        if (words.Length != 2 || words[0] == Replica || !long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return;
        }

        lock (_peersGate)
        {
            var totals = PeerTotals.Parse(message[(header + 1)..], out var at);
            if (!_peers.Merge(words[0], sequence, totals, Arrived(at)))
            {
                return;
            }

            if (ApplyPeers() is { } failedAt)
            {
                Answer(failedAt);
            }
        }

        _peersCounted?.Invoke();
    }

    // A push's stamp, never later than its arrival: a replica whose clock runs ahead, or one that stamps nothing (an
    // older router), has its counts placed where they arrive.
    private static long Arrived(long at)
    {
        var now = Metrics.PeerSteps.Stamp(TimeProvider.System);
        return at > 0 ? Math.Min(at, now) : now;
    }

    // Another replica's canary failed: this replica's totals go out at once, stamped no later than that failure. Under _peersGate.
    private void Answer(long failedAt)
    {
        _answering = _answering > 0 ? Math.Min(_answering, failedAt) : failedAt;
        Signal.PeersFailed();
    }

    // The peers' sums into the totals the guard judges. The stamp of the pushes that brought new failures of a
    // canary, if any: this replica's own totals should then go out at once (the loop), stamped no later than it.
    private long? ApplyPeers()
    {
        long? canaryFailed = null;
        var current = _store!.Current;
        foreach (var key in _peers.Keys)
        {
            var counts = _counters!.For(key.Release, key.Version);
            var steps = _peers.Steps(key);
            var before = counts.Peers;
            counts.PeerSteps = steps;
            if (steps.Latest.Failures > before.Failures && current.Get(key.Release)?.Canary == key.Version)
            {
                canaryFailed = Math.Min(canaryFailed ?? long.MaxValue, steps.FirstAbove(before.Failures) ?? Arrived(0));
            }
        }

        return canaryFailed;
    }
}

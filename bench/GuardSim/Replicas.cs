using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace Canary.Bench.GuardSim;

/// <summary>
/// The guard over replicas as a seeded discrete-event simulation, request by request: the same traffic (Poisson
/// arrivals, each to a random replica) judged by one router and by several replicas exchanging their totals as replica
/// mode does, with a canary that fails every request from a random moment on. Each replica is a real
/// <see cref="RouterCore"/> and <see cref="GuardMonitor"/> and its peers' totals a real <see cref="PeerTotals"/>; what
/// is modelled is replica mode's timing: rounds as <see cref="SharedStateLoop.NextRound"/> schedules them (each
/// <see cref="SharedStateLoop.Period"/>, failure pushes 5 ms apart from a burst of 10), a round trip to Redis, a push's
/// stamp (its first canary failure, or the failure elsewhere it answers, as <c>RedisStateStore</c> stamps it),
/// announced pushes heard one round trip after they are sent, and a guard that looks at each failure, at each push it
/// hears, and 100 ms after its last look. Nothing here takes CPU time: it shows what the statistics and the placement
/// of the others' counts cost over replicas, apart from the machine (<c>bench/replicas.sh</c> measures the processes).
/// </summary>
internal sealed class Replicas : IDisposable
{
    private const string Release = "shop";
    private const long Second = 1_000_000;

    private readonly SimTime _time = new();
    private readonly Node[] _nodes;
    private readonly PriorityQueue<Action, (long At, long Order)> _queue = new();
    private readonly Rng _rng;
    private long _order;
    private int _failed;
    private long _firstFailure;

    /// <summary>A round's trip to Redis and back, and a publish's to the other replicas, in microseconds.</summary>
    private readonly long _roundTrip;

    private Replicas(int replicas, long roundTrip, Rng rng)
    {
        _rng = rng;
        _roundTrip = roundTrip;
        _nodes = [.. Enumerable.Range(0, replicas).Select(i => new Node($"r{i}", _time))];
    }

    /// <summary>One canary's failure, judged by <paramref name="replicas"/> routers sharing the traffic.</summary>
    /// <param name="rate">Requests a second over the fleet.</param>
    /// <param name="weight">Percent of them on the canary.</param>
    /// <param name="roundTrip">A round's trip to Redis and back, and a publish's to the other replicas (microseconds).</param>
    /// <returns>Failed user requests until every router serves the rollback, and the time from the first failure to the first rollback (ms).</returns>
    public static (int Failed, double ReactionMs) Run(int replicas, double rate, double weight, long roundTrip, Rng rng)
    {
        using var sim = new Replicas(replicas, roundTrip, rng);
        return sim.Run(rate, weight);
    }

    private (int Failed, double ReactionMs) Run(double rate, double weight)
    {
        // The canary's life begins, then 17 quiet seconds, so it is about 20 s old when it fails, as in bench/replicas.sh.
        foreach (var node in _nodes)
        {
            node.Monitor.EvaluateAll();
        }

        _time.Now = 17 * Second;
        var start = _time.Now;
        var fault = start + (3 * Second) + (long)(_rng.Uniform() * 200_000);
        foreach (var node in _nodes)
        {
            Look(node);
            if (_nodes.Length > 1)
            {
                node.LastRound = _time.Now - (long)(_rng.Uniform() * 200_000);
                At(_time.Now, () => Wake(node));
            }
        }

        for (var t = start + Arrival(rate); t < fault + Second; t += Arrival(rate))
        {
            var node = _nodes[(int)(_rng.Uniform() * _nodes.Length)];
            var canary = _rng.Uniform() * 100 < weight;
            At(t, () => Serve(node, canary, _time.Now >= fault));
        }

        long? rolledBack = null;
        while (_queue.TryDequeue(out var action, out var due))
        {
            var at = due.At;
            if (rolledBack is { } first && at > first + _roundTrip)
            {
                // The rollback's publish has reached the others: nobody serves the canary any more.
                return (_failed, (first - _firstFailure) / 1000.0);
            }

            _time.Now = at;
            action();
            if (rolledBack is null && _nodes.Any(n => n.RolledBack))
            {
                rolledBack = at;
            }
        }

        throw new InvalidOperationException("The canary was never rolled back.");
    }

    private long Arrival(double rate) => Math.Max(1, (long)(_rng.Exponential(rate) * Second));

    private void At(long at, Action action) => _queue.Enqueue(action, (at, _order++));

    private void Serve(Node node, bool canary, bool failing)
    {
        if (node.RolledBack && canary)
        {
            // This router serves the rollback: the request goes to stable.
            canary = false;
        }

        var fails = canary && failing;
        (canary ? node.Canary : node.Stable).Record(fails ? StatusClass.ServerError5xx : StatusClass.Success2xx, false, LatencySample.Fast);
        if (!fails)
        {
            return;
        }

        _failed++;
        _firstFailure = _firstFailure == 0 ? _time.Now : _firstFailure;

        // The recorder pokes the guard, and in replica mode the shared loop, which stamps the first failure since its push.
        if (_nodes.Length > 1)
        {
            node.FailedAt = node.FailedAt == 0 ? PeerSteps.Stamp(_time) : node.FailedAt;
            node.FailedPending = true;
            Wake(node);
        }

        Look(node);
    }

    private void Look(Node node)
    {
        node.Monitor.EvaluateAll();
        var look = ++node.Looks;
        At(_time.Now + GuardService.Period.Ticks / 10, () =>
        {
            if (node.Looks == look)
            {
                Look(node);
            }
        });
    }

    // SharedStateLoop's loop: a round when one is due, else a wait until it is.
    private void Wake(Node node)
    {
        if (node.BusyUntil > _time.Now)
        {
            return;
        }

        var canaryFailed = (node.FailedPending && node.CanaryFailed()) || (node.PeersFailedPending && node.Unpushed());
        if (!canaryFailed)
        {
            node.FailedPending = node.PeersFailedPending = false;
        }

        var next = SharedStateLoop.NextRound(_time, node.LastRound, node.Pushes, changed: false, canaryFailed);
        if (next.Work == SharedStateLoop.Work.Round)
        {
            Round(node, canaryFailed);
            return;
        }

        var wake = ++node.Wakes;
        At(_time.Now + Math.Max(1, next.Wait.Ticks / 10), () =>
        {
            if (node.Wakes == wake)
            {
                Wake(node);
            }
        });
    }

    // RedisStateStore.RoundAsync: push this replica's totals, read the others' as Redis has them, announce on failures.
    private void Round(Node node, bool announce)
    {
        node.LastRound = _time.Now;
        if (announce)
        {
            node.Pushes = node.Pushes.Pushed(_time, _time.Now);
        }

        node.FailedPending = node.PeersFailedPending = false;
        var failedAt = node.FailedAt;
        node.FailedAt = 0;
        var own = node.Own();
        var stamp = PeerSteps.Stamp(_time);
        stamp = node.CanaryFailed() && failedAt > 0 ? Math.Min(stamp, failedAt) : stamp;
        stamp = node.Answering > 0 ? Math.Min(stamp, node.Answering) : stamp;
        node.Answering = 0;
        if (node.Moved(own))
        {
            node.Sent = new Push(node.Name, node.Sent.Sequence + 1, own, stamp);
            var push = node.Sent;
            foreach (var peer in _nodes.Where(p => p != node && announce))
            {
                At(_time.Now + _roundTrip, () => Hear(peer, push, announced: true));
            }
        }

        var read = _nodes.Where(p => p != node && p.Sent.Sequence > 0).Select(p => p.Sent).ToList();
        node.BusyUntil = _time.Now + _roundTrip;
        At(node.BusyUntil, () =>
        {
            foreach (var push in read)
            {
                Hear(node, push, announced: false);
            }

            Wake(node);
        });
    }

    // A push taken into this replica's peers' totals; one announced on the counts channel pokes its guard.
    private void Hear(Node node, Push push, bool announced)
    {
        var now = PeerSteps.Stamp(_time);
        if (!node.Peers.Merge(push.From, push.Sequence, push.Totals, Math.Min(push.Stamp, now)))
        {
            return;
        }

        long? canaryFailed = null;
        foreach (var key in node.Peers.Keys)
        {
            var counts = node.Core.Counters.For(key.Release, key.Version);
            var steps = node.Peers.Steps(key);
            var before = counts.Peers;
            counts.PeerSteps = steps;
            if (steps.Latest.Failures > before.Failures && key.Version == "v2")
            {
                canaryFailed = Math.Min(canaryFailed ?? long.MaxValue, steps.FirstAbove(before.Failures) ?? now);
            }
        }

        if (canaryFailed is { } failedAt)
        {
            node.Answering = node.Answering > 0 ? Math.Min(node.Answering, failedAt) : failedAt;
            node.PeersFailedPending = true;
            Wake(node);
        }

        if (announced)
        {
            Look(node);
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private sealed record Push(string From, long Sequence, Dictionary<(string Release, string Version), CountSnapshot> Totals, long Stamp);

    /// <summary>One router: its core and guard, and its shared loop's state.</summary>
    private sealed class Node : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("canary-guardsim-").FullName;

        public Node(string name, TimeProvider time)
        {
            Name = name;
            var path = Path.Combine(_folder, "router.json");
            var json = """
                { "Router": { "StateFile": "router.state.json", "Releases": { "shop": { "Stable": "v1", "Canary": "v2", "Weight": 10,
                  "UserKey": "header:X-User-Id", "Guard": { "Enabled": true, "WindowSeconds": 5, "MinRequests": 10, "MaxErrorRate": 0.05 },
                  "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"], "v2": ["http://127.0.0.1:5002"] } } } } } } }
                """;
            Core = new RouterCore(RouterConfigLoader.Parse(json, path), path, time);
            Monitor = new GuardMonitor(Core, NullLogger<GuardMonitor>.Instance);
            Stable = Core.Counters.For(Release, "v1");
            Canary = Core.Counters.For(Release, "v2");
            Sent = new Push(name, 0, [], 0);
        }

        public string Name { get; }

        public RouterCore Core { get; }

        public GuardMonitor Monitor { get; }

        public VersionCounts Stable { get; }

        public VersionCounts Canary { get; }

        public PeerTotals Peers { get; } = new();

        public bool RolledBack => Core.Store.Get(Release)!.Phase == ReleasePhase.RolledBack;

        public long? LastRound { get; set; }

        public SharedStateLoop.FailurePushes Pushes { get; set; }

        public long FailedAt { get; set; }

        public long Answering { get; set; }

        public bool FailedPending { get; set; }

        public bool PeersFailedPending { get; set; }

        public long BusyUntil { get; set; }

        public long Looks { get; set; }

        public long Wakes { get; set; }

        /// <summary>The last push, as Redis holds it.</summary>
        public Push Sent { get; set; }

        public Dictionary<(string Release, string Version), CountSnapshot> Own() => new()
        {
            [(Release, "v1")] = Stable.Snapshot(),
            [(Release, "v2")] = Canary.Snapshot(),
        };

        public bool Moved(Dictionary<(string Release, string Version), CountSnapshot> own) =>
            own.Any(o => Sent.Totals.GetValueOrDefault(o.Key) != o.Value);

        public bool Unpushed() => Moved(Own());

        public bool CanaryFailed() => Canary.Snapshot().Failures > Sent.Totals.GetValueOrDefault((Release, "v2")).Failures;

        public void Dispose()
        {
            Core.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The simulation's one clock, in microseconds, from a fixed origin.</summary>
    private sealed class SimTime : TimeProvider
    {
        private static readonly DateTimeOffset Origin = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

        public long Now { get; set; }

        public override long TimestampFrequency => Second;

        public override long GetTimestamp() => Now;

        public override DateTimeOffset GetUtcNow() => Origin.AddTicks(Now * 10);
    }
}

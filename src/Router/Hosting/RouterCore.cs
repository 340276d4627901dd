using Canary.Router.Configuration;
using Canary.Router.Experiments;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Hosting;

/// <summary>The parts the public (proxy) and admin hosts share: one published snapshot (configuration, routes, state), one clock.</summary>
internal sealed class RouterCore : IDisposable
{
    /// <summary>Whether the public pipeline has the route policies' middleware: router.json at start used them.</summary>
    public bool RoutePolicies { get; }

    /// <param name="configDigest">The SHA-256 of router.json as <paramref name="options"/> were read from it, when known.</param>
    public RouterCore(RouterOptions options, string configPath, TimeProvider time, byte[]? configDigest = null)
    {
        ConfigPath = Path.GetFullPath(configPath);
        ConfigDigest = configDigest;
        RoutePolicies = options.UsesRoutePolicies;
        Time = time;
        var stateFile = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ConfigPath)!, options.StateFile));
        CheckStateFile(stateFile);
        Directory.CreateDirectory(Path.GetDirectoryName(stateFile)!);
        StateFile = new StateFile(stateFile);
        Events = new DecisionLog(stateFile + ".events.jsonl", time);
        Metrics = new RouterMetrics();
        Counters = new VersionCounters();
        // Replica mode: the fleet's state in Redis, or while it is down the last state this replica saw (its state file).
        Shared = options.Redis is null ? null : new RedisStateStore(options, StateFile, Metrics.StoreUp);
        var persisted = Shared?.Read() ?? ReadStateFile();
        if (Shared is { Error: { } down })
        {
            StartupWarnings.Add($"{down}; starting from {(persisted is null ? "router.json" : "the last state this replica had")}, and catching up when Redis answers.");
            if (persisted is not null)
            {
                Shared.StartFrom(persisted);
            }
        }

        var retired = new Dictionary<string, long>(persisted?.Retired ?? [], StringComparer.Ordinal);
        foreach (var (name, entry) in persisted?.Releases ?? [])
        {
            if (options.Release(name) is null)
            {
                retired[name] = Math.Max(retired.GetValueOrDefault(name), entry.Revision);
            }
        }

        // Without a state file (lost, or set aside as corrupt), revisions continue above every one the decision log saw.
        var floor = persisted is null ? Events.MaxRevision() : 0;
        Store = new ReleaseStore(options, (IStatePersistence?)Shared ?? StateFile, time, retired,
            name => Math.Max(floor, Events.LastRevision(name)));
        Experiments = new ExperimentBook(stateFile + ".experiments.json", time);
        Signal = new FailureSignal(Shared is null ? null : Shared.Signal.Failed);
        Shared?.Attach(Store, Counters, Signal.Poke);
        Events.Shared = Shared is null ? null : Shared.Events;
        Store.Committed += commit => Events.Record(Experiments.OnCommit(commit));
        Store.Committed += Metrics.OnCommit;
        Store.WriteFailed += _ => Metrics.StateWriteFailures.Inc();
        Store.Faulted += _ => Metrics.Faults.WithLabels("state").Inc();

        // The persisted states over router.json, reconciled with it as a hot reload would: an edit made while the
        // router was stopped gets a new revision, an event and a write; new releases are written at once.
        var restored = persisted?.Restore(options) ?? [];
        Store.Replace(options, RoutingTable.Build(options, Metrics, Counters, RoutingTable.Empty), ReleaseReconciler.Reconcile,
            new ChangeCause(Actor.Reload, "start", "config", $"{Path.GetFileName(ConfigPath)} read at start"), restored.GetValueOrDefault);
        Experiments.Load(options, Store.All(), restore: true);
        ExperimentMetrics.Attach(Metrics, Experiments);
        var cookieKey = CookieKey.Load(stateFile, time, out var keyWarning, Shared is null ? null : Shared.CookieKey);
        Anonymous = new AnonymousUsers(new AnonymousId(cookieKey), options.Cookie);
        Previews = new PreviewLinks(cookieKey);
        if (keyWarning is not null)
        {
            StartupWarnings.Add(keyWarning);
            Events.Record(null, new ChangeCause(Actor.Reload, "cookie-key-corrupt", "corrupt", keyWarning));
        }
    }

    /// <summary>The running configuration: the current snapshot's, replaced whole by a successful reload.</summary>
    public RouterOptions Options => Store.Current.Options;

    /// <summary>The current snapshot's routes.</summary>
    public RoutingTable Table => Store.Current.Routes;

    public string ConfigPath { get; }

    /// <summary>The SHA-256 of router.json's bytes read at start: a reload of the same bytes changes nothing.</summary>
    public byte[]? ConfigDigest { get; }

    /// <summary>Resolved against router.json's folder, so the router behaves the same from any working directory.</summary>
    public StateFile StateFile { get; }

    public DecisionLog Events { get; }

    /// <summary>Things worth an operator's attention found while starting (e.g. a corrupt state file set aside).</summary>
    public List<string> StartupWarnings { get; } = [];

    public TimeProvider Time { get; }

    public ReleaseStore Store { get; }

    /// <summary>Replica mode's shared store (Redis); null for a single router with its state file.</summary>
    public RedisStateStore? Shared { get; }

    public RouterMetrics Metrics { get; }

    /// <summary>Per release and version, the running totals the guard judges.</summary>
    public VersionCounters Counters { get; }

    /// <summary>Failures poke it; the guard loop waits on it.</summary>
    public FailureSignal Signal { get; }

    public AnonymousUsers Anonymous { get; }

    /// <summary>Signed preview links, with the anonymous cookie's key (so replicas sharing <c>CANARY_COOKIE_KEY</c> agree).</summary>
    public PreviewLinks Previews { get; }

    /// <summary>Every release's A/B experiment: goals, counts, persistence.</summary>
    public ExperimentBook Experiments { get; }

    public void Dispose()
    {
        Shared?.Dispose();
        Metrics.Dispose();
        Signal.Dispose();
    }

    /// <summary>
    /// StateFile must be a file of the router's own: not router.json, not a folder, and not someone else's file
    /// (which would be moved aside and overwritten).
    /// </summary>
    private void CheckStateFile(string path)
    {
        var problem = path == ConfigPath ? "is router.json itself"
            : Directory.Exists(path) ? "is a folder"
            : File.Exists(path) && !new StateFile(path).LooksLikeStateFile() ? "is a file that is not a Canary state file; it is left as it is (choose another StateFile, or move the file away)"
            : null;
        if (problem is not null)
        {
            throw new ConfigException(ConfigPath, [new ConfigProblem("Router.StateFile", path, problem)]);
        }
    }

    private StateFile.Document? ReadStateFile()
    {
        var persisted = StateFile.Read(Time, out var movedTo, out var error);
        if (movedTo is not null)
        {
            var warning = $"State file {StateFile.Path} could not be read ({error}); starting from router.json. The file was kept as {movedTo}.";
            StartupWarnings.Add(warning);
            Events.Record(null, new ChangeCause(Actor.Reload, "state-file-corrupt", "corrupt", warning));
        }

        return persisted;
    }
}

using Canary.Router.Configuration;
using Canary.Router.Experiments;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Hosting;

/// <summary>The parts the public (proxy) and admin hosts share: one configuration, one state, one routing table, one clock.</summary>
internal sealed class RouterCore : IDisposable
{
    private RouterOptions _options;

    public RouterCore(RouterOptions options, string configPath, TimeProvider time)
    {
        _options = options;
        ConfigPath = Path.GetFullPath(configPath);
        Time = time;
        var stateFile = Path.Combine(Path.GetDirectoryName(ConfigPath)!, options.StateFile);
        Directory.CreateDirectory(Path.GetDirectoryName(stateFile)!);
        StateFile = new StateFile(stateFile);
        Events = new DecisionLog(stateFile + ".events.jsonl", time);
        Store = new ReleaseStore(InitialStates(options), time);
        Metrics = new RouterMetrics();
        Windows = new GuardWindows();
        Table = new RoutingTable(Metrics, Windows);
        Table.Load(options, Store);
        Anonymous = new AnonymousUsers(new AnonymousId(CookieKey.Load(stateFile)), options.Cookie);
        Metrics.Publish(Store.All());
        Experiments = new ExperimentBook(stateFile + ".experiments.json", time);
        Experiments.Load(options, Store.All(), restore: true);
        ExperimentMetrics.Attach(Metrics, Experiments);

        // Persistence first: if the state cannot be written, the change fails before anything else sees it.
        Store.Changed += (_, all) => StateFile.Write(all);
        Store.Changed += (change, _) => Events.Record(Experiments.OnChange(change));
        Store.Changed += (change, _) => Metrics.OnChange(change);
    }

    /// <summary>The running configuration; replaced whole by a successful reload.</summary>
    public RouterOptions Options
    {
        get => Volatile.Read(ref _options);
        internal set => Volatile.Write(ref _options, value);
    }

    public string ConfigPath { get; }

    /// <summary>Resolved against router.json's folder, so the router behaves the same from any working directory.</summary>
    public StateFile StateFile { get; }

    public DecisionLog Events { get; }

    /// <summary>Things worth an operator's attention found while starting (e.g. a corrupt state file set aside).</summary>
    public List<string> StartupWarnings { get; } = [];

    public TimeProvider Time { get; }

    public ReleaseStore Store { get; }

    public RouterMetrics Metrics { get; }

    public GuardWindows Windows { get; }

    public RoutingTable Table { get; }

    public AnonymousUsers Anonymous { get; }

    /// <summary>Every release's A/B experiment: goals, counts, persistence.</summary>
    public ExperimentBook Experiments { get; }

    public void Dispose() => Metrics.Dispose();

    /// <summary>router.json's releases, with the operator's persisted changes where the file still names the same versions.</summary>
    private List<ReleaseState> InitialStates(RouterOptions options)
    {
        var persisted = StateFile.Read(Time, out var movedTo, out var error);
        if (movedTo is not null)
        {
            var warning = $"State file {StateFile.Path} could not be read ({error}); starting from router.json. The file was kept as {movedTo}.";
            StartupWarnings.Add(warning);
            Events.Record(null, new ChangeCause(Actor.Reload, "state-file-corrupt", "corrupt", warning));
        }

        return [.. options.Releases.Select(release =>
        {
            var fromConfig = ReleaseState.FromOptions(release);
            var entry = persisted?.GetValueOrDefault(release.Name);
            var restored = entry?.Restore(fromConfig);

            // Revisions only go up, even when router.json starts the release over or the state file was lost,
            // so a stale If-Match never matches.
            return restored is null
                ? fromConfig with { Revision = Math.Max(entry?.Revision ?? 0, Events.LastRevision(release.Name)) + 1 }
                : ReleaseReconciler.Reconcile(restored, release);
        })];
    }
}

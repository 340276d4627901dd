using Canary.Router.Configuration;
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
        StateFile = Path.Combine(Path.GetDirectoryName(ConfigPath)!, options.StateFile);
        Store = new ReleaseStore(options.Releases.Select(ReleaseState.FromOptions), time);
        Metrics = new RouterMetrics();
        Windows = new GuardWindows();
        Table = new RoutingTable(Metrics, Windows);
        Table.Load(options, Store);
        Anonymous = new AnonymousUsers(new AnonymousId(CookieKey.Load(StateFile)), options.Cookie);
        foreach (var release in Store.All())
        {
            Metrics.Weight.WithLabels(release.Name).Set(release.Weight);
            Array.ForEach<string>([GuardVerdict.ErrorRateReason, GuardVerdict.LatencyReason, "operator"], reason => Metrics.Rollbacks.WithLabels(release.Name, reason));
        }

        Store.Changed += Metrics.OnChange;
    }

    /// <summary>The running configuration; replaced whole by a successful reload.</summary>
    public RouterOptions Options
    {
        get => Volatile.Read(ref _options);
        internal set => Volatile.Write(ref _options, value);
    }

    public string ConfigPath { get; }

    /// <summary>Resolved against router.json's folder, so the router behaves the same from any working directory.</summary>
    public string StateFile { get; }

    public TimeProvider Time { get; }

    public ReleaseStore Store { get; }

    public RouterMetrics Metrics { get; }

    public GuardWindows Windows { get; }

    public RoutingTable Table { get; }

    public AnonymousUsers Anonymous { get; }

    public void Dispose() => Metrics.Dispose();
}

using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;
using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Tests.State;

/// <summary>
/// A <see cref="ReleaseStore"/> over releases built as router.json would give them, with a state writer that records
/// what it was asked to write and fails while <see cref="DiskFull"/> is set.
/// </summary>
internal sealed class StoreRig : IDisposable
{
    private readonly RouterMetrics _metrics = new();
    private readonly VersionCounters _counters = new();

    public StoreRig(params ReleaseOptions[] releases)
    {
        var options = new RouterOptions { Releases = releases };
        Store = new ReleaseStore(options, new Recorder(this), TimeProvider.System);
        Store.Committed += Commits.Add;
        Replace(options);
        Commits.Clear();
        Writes.Clear();
    }

    public ReleaseStore Store { get; }

    public bool DiskFull { get; set; }

    public List<(ReleaseState[] Releases, Dictionary<string, long> Retired)> Writes { get; } = [];

    public List<Commit> Commits { get; } = [];

    public static ChangeCause Reload { get; } = new(Actor.Reload, "reload", "config", "router.json changed");

    public static ChangeCause Guard { get; } = new(Actor.Guard, "rollback", "guard_error_rate", "a test breach");

    public Commit Replace(params ReleaseOptions[] releases) => Replace(new RouterOptions { Releases = releases });

    public Commit Replace(RouterOptions options) =>
        Store.Replace(options, RoutingTable.Build(options, _metrics, _counters, Store.Current.Routes), ReleaseReconciler.Reconcile, Reload);

    public static ReleaseOptions Options(string name, string? canary = "v2", double weight = 10, string stable = "v1") => new()
    {
        Name = name,
        Stable = stable,
        Canary = canary,
        Weight = weight,
        Routes =
        [
            new RouteOptions
            {
                Name = "web",
                Path = "/" + name + "/{**rest}",
                Versions = new[] { stable, canary, "v3" }.OfType<string>().Distinct().ToDictionary(v => v, v => new YarpCluster { ClusterId = $"{name}/web/{v}" }),
            },
        ],
    };

    public void Dispose() => _metrics.Dispose();

    /// <summary>Records what the store writes; fails while <see cref="DiskFull"/> is set.</summary>
    private sealed class Recorder(StoreRig rig) : IStatePersistence
    {
        public void Write(RouterSnapshot snapshot, IReadOnlyDictionary<string, long> retired, IReadOnlyList<Commit> unwritten)
        {
            if (rig.DiskFull)
            {
                throw new IOException("No space left on device");
            }

            rig.Writes.Add(([.. snapshot.Releases], new Dictionary<string, long>(retired)));
        }
    }
}

using System.Collections.Frozen;
using Canary.Router.Configuration;
using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Routing;

/// <summary>YARP route id to <see cref="RouteBinding"/>, rebuilt whenever the configuration changes.</summary>
internal sealed class RoutingTable(RouterMetrics metrics, VersionCounters counters)
{
    private FrozenDictionary<string, RouteBinding> _bindings = FrozenDictionary<string, RouteBinding>.Empty;

    public RouteBinding? Find(string routeId) => Volatile.Read(ref _bindings).GetValueOrDefault(routeId);

    public IEnumerable<RouteBinding> All => Volatile.Read(ref _bindings).Values;

    public void Load(RouterOptions options, ReleaseStore store)
    {
        var bindings = new Dictionary<string, RouteBinding>(StringComparer.OrdinalIgnoreCase);
        foreach (var release in options.Releases)
        {
            var slot = store.Slot(release.Name) ?? throw new InvalidOperationException($"release '{release.Name}' has no state");
            foreach (var route in release.Routes)
            {
                var targets = route.Versions.Keys
                    .Select(version => new VersionTarget(version, ClusterIds.For(release.Name, route.Name, version),
                        new VersionMeters(metrics, release.Name, route.Name, version, counters.For(release.Name, version))))
                    .ToArray();
                bindings[ClusterIds.Route(release.Name, route.Name)] =
                    new RouteBinding(release.Name, route.Name, slot, release.Stable, targets);
            }
        }

        var previous = Interlocked.Exchange(ref _bindings, bindings.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
        var kept = bindings.Values.SelectMany(b => b.Targets).Select(t => t.ClusterId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in previous.Values.SelectMany(b => b.Targets).Where(t => !kept.Contains(t.ClusterId)))
        {
            gone.Meters.Unpublish();
        }
    }
}

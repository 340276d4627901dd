using System.Collections.Frozen;
using Canary.Router.Configuration;
using Canary.Router.Metrics;

namespace Canary.Router.Routing;

/// <summary>
/// One configuration's routes: YARP route id to <see cref="RouteBinding"/>, and the releases in name order (the
/// order of the states in the <see cref="State.RouterSnapshot"/> it belongs to). Immutable: a reload builds a new one.
/// </summary>
internal sealed class RoutingTable
{
    private readonly FrozenDictionary<string, RouteBinding> _bindings;
    private readonly FrozenDictionary<string, int> _releases;

    private RoutingTable(FrozenDictionary<string, RouteBinding> bindings, string[] releaseNames)
    {
        _bindings = bindings;
        ReleaseNames = releaseNames;
        _releases = releaseNames.Select((name, i) => KeyValuePair.Create(name, i)).ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static RoutingTable Empty { get; } = new(FrozenDictionary<string, RouteBinding>.Empty, []);

    /// <summary>Release names in ordinal order.</summary>
    public IReadOnlyList<string> ReleaseNames { get; }

    public IEnumerable<RouteBinding> All => _bindings.Values;

    public RouteBinding? Find(string routeId) => _bindings.GetValueOrDefault(routeId);

    /// <summary>The release's position in the snapshot's states, or -1.</summary>
    public int IndexOf(string release) => _releases.GetValueOrDefault(release, -1);

    /// <summary>
    /// The table of <paramref name="options"/>. Targets of versions <paramref name="previous"/> already had (same
    /// cluster id) are reused, with their metric series and cached YARP models: a reload costs what it changed.
    /// </summary>
    public static RoutingTable Build(RouterOptions options, RouterMetrics metrics, VersionCounters counters, RoutingTable previous)
    {
        var known = previous._bindings.Values.SelectMany(b => b.Targets).ToDictionary(t => t.ClusterId, StringComparer.Ordinal);
        string[] names = [.. options.Releases.Select(r => r.Name).Order(StringComparer.Ordinal)];
        var index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var bindings = new Dictionary<string, RouteBinding>(StringComparer.OrdinalIgnoreCase);
        foreach (var release in options.Releases)
        {
            foreach (var route in release.Routes)
            {
                var targets = route.Versions.Keys
                    .Select(version => ClusterIds.For(release.Name, route.Name, version) is var id && known.TryGetValue(id, out var target)
                        ? target
                        : new VersionTarget(version, id, new VersionMeters(metrics, release.Name, route.Name, version, counters.For(release.Name, version))))
                    .ToArray();
                bindings[ClusterIds.Route(release.Name, route.Name)] =
                    new RouteBinding(release.Name, index[release.Name], route.Name, targets);
            }
        }

        return new RoutingTable(bindings.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), names);
    }

    /// <summary>Removes the metric series of versions this table has and <paramref name="next"/> no longer has.</summary>
    public void UnpublishGone(RoutingTable next)
    {
        var kept = next._bindings.Values.SelectMany(b => b.Targets).Select(t => t.ClusterId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _bindings.Values.SelectMany(b => b.Targets).Where(t => !kept.Contains(t.ClusterId)))
        {
            gone.Meters.Unpublish();
        }
    }
}

using Canary.Router.Metrics;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Canary.Router.Routing;

/// <summary>
/// One version of one route: its YARP cluster, and the route model that points at it, both looked up once and
/// cached so the request path does no dictionary lookups and builds nothing but YARP's own feature object.
/// </summary>
internal sealed class VersionTarget(string version, string clusterId, VersionMeters meters)
{
    private Assignment? _assignment;
    private DrainFilter? _drainFilter;

    public string Version { get; } = version;

    public string ClusterId { get; } = clusterId;

    public VersionMeters Meters { get; } = meters;

    /// <summary>The <c>X-Canary-Version</c> value, built once.</summary>
    public StringValues HeaderValue { get; } = new(version);

    /// <summary>
    /// Sends the request to this version's cluster. The route model is replaced along with the cluster so that
    /// passive health checks and telemetry see the version's cluster (YARP issue 1750).
    /// </summary>
    public bool TryAssign(HttpContext context, RouteModel route, IProxyStateLookup lookup)
    {
        var assignment = Volatile.Read(ref _assignment);
        if (assignment is null || !ReferenceEquals(assignment.Source, route))
        {
            // First use, or YARP rebuilt the route model after a config change.
            if (!lookup.TryGetCluster(ClusterId, out var cluster))
            {
                return false;
            }

            assignment = new Assignment(route, cluster, new RouteModel(route.Config, cluster, route.Transformer));
            Volatile.Write(ref _assignment, assignment);
        }

        context.ReassignProxyRequest(assignment.Route, assignment.Cluster);
        return true;
    }

    /// <summary>
    /// <paramref name="available"/> without the destinations <paramref name="state"/> drains. Cached for the last
    /// (destinations, drain list) pair, both immutable, so a rolling update allocates nothing per request.
    /// </summary>
    public IReadOnlyList<DestinationState> WithoutDraining(IReadOnlyList<DestinationState> available, State.ReleaseState state, string route)
    {
        var filter = Volatile.Read(ref _drainFilter);
        if (filter is null || !ReferenceEquals(filter.Available, available) || !ReferenceEquals(filter.Draining, state.Draining))
        {
            var kept = new List<DestinationState>(available.Count);
            foreach (var destination in available)
            {
                if (!DrainAddresses.IsDraining(state, route, destination.Model.Config.Address))
                {
                    kept.Add(destination);
                }
            }

            filter = new DrainFilter(available, state.Draining, kept.Count == available.Count ? available : kept);
            Volatile.Write(ref _drainFilter, filter);
        }

        return filter.Kept;
    }

    private sealed record DrainFilter(IReadOnlyList<DestinationState> Available, IReadOnlyList<State.DrainedDestination> Draining, IReadOnlyList<DestinationState> Kept);

    private sealed record Assignment(RouteModel Source, ClusterState Cluster, RouteModel Route);
}

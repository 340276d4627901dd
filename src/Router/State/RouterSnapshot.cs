using Canary.Router.Configuration;
using Canary.Router.Routing;

namespace Canary.Router.State;

/// <summary>
/// Everything a request reads, published with one write (as YARP publishes its route and cluster models): the
/// running options, the route bindings with their version targets, and every release's state, in the order of
/// <see cref="RoutingTable.ReleaseNames"/>. A request reads one snapshot and uses it from start to end, so it never
/// sees a release state through a binding of another configuration. Immutable: a change publishes a new snapshot.
/// </summary>
internal sealed class RouterSnapshot
{
    private readonly ReleaseState[] _releases;

    public RouterSnapshot(RouterOptions options, RoutingTable routes, ReleaseState[] releases)
    {
        if (releases.Length != routes.ReleaseNames.Count)
        {
            throw new ArgumentException($"{releases.Length} release states for {routes.ReleaseNames.Count} releases", nameof(releases));
        }

        for (var i = 0; i < releases.Length; i++)
        {
            if (releases[i].Name != routes.ReleaseNames[i])
            {
                throw new ArgumentException($"state '{releases[i].Name}' where release '{routes.ReleaseNames[i]}' belongs", nameof(releases));
            }
        }

        Options = options;
        Routes = routes;
        _releases = releases;
    }

    public RouterOptions Options { get; }

    public RoutingTable Routes { get; }

    /// <summary>Every release's state, ordered by name.</summary>
    public IReadOnlyList<ReleaseState> Releases => _releases;

    public ReleaseState? Get(string name) => Routes.IndexOf(name) is var i and >= 0 ? _releases[i] : null;

    /// <summary>The state of a binding's release; the binding must come from this snapshot's <see cref="Routes"/>.</summary>
    public ReleaseState StateOf(RouteBinding binding) => _releases[binding.ReleaseIndex];

    /// <summary>This snapshot with one release's state replaced: the same options and routes, one array copied.</summary>
    internal RouterSnapshot With(int index, ReleaseState state)
    {
        var releases = (ReleaseState[])_releases.Clone();
        releases[index] = state;
        return new RouterSnapshot(Options, Routes, releases);
    }
}

namespace Canary.Router.Routing;

/// <summary>
/// What the router knows about one YARP route: its release (by position in the snapshot it belongs to), and a
/// target per version. Immutable; part of one <see cref="State.RouterSnapshot"/>.
/// </summary>
internal sealed class RouteBinding(string releaseName, int releaseIndex, string routeName, VersionTarget[] targets)
{
    public string ReleaseName { get; } = releaseName;

    /// <summary>Where the release's state is in its snapshot: the request path reads it without a lookup.</summary>
    public int ReleaseIndex { get; } = releaseIndex;

    public string RouteName { get; } = routeName;

    public IReadOnlyList<VersionTarget> Targets => targets;

    public VersionTarget? Target(string version)
    {
        // Two or three versions: a scan beats hashing.
        foreach (var target in targets)
        {
            if (ReferenceEquals(target.Version, version) || target.Version == version)
            {
                return target;
            }
        }

        return null;
    }
}

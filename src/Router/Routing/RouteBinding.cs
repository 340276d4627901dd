using Canary.Router.State;

namespace Canary.Router.Routing;

/// <summary>What the router knows about one YARP route: its release, and a target per version.</summary>
internal sealed class RouteBinding(string releaseName, string routeName, ReleaseSlot slot, string defaultVersion, VersionTarget[] targets)
{
    public string ReleaseName { get; } = releaseName;

    public string RouteName { get; } = routeName;

    public ReleaseSlot Slot { get; } = slot;

    /// <summary>The version the YARP route's own cluster serves; requests for it need no reassignment.</summary>
    public string DefaultVersion { get; } = defaultVersion;

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

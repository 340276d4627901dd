using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Configuration;

/// <summary>router.json's releases as YARP routes (one per release route) and clusters (one per route and version).</summary>
internal static class YarpConfigBuilder
{
    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(RouterOptions options)
    {
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        foreach (var release in options.Releases)
        {
            foreach (var route in release.Routes)
            {
                routes.Add(new RouteConfig
                {
                    RouteId = ClusterIds.Route(release.Name, route.Name),
                    // The stable version's cluster serves by default; the cohort step reassigns the others.
                    ClusterId = ClusterIds.For(release.Name, route.Name, release.Stable),
                    Match = new RouteMatch
                    {
                        Path = route.Path,
                        Hosts = route.Hosts.Count == 0 ? null : route.Hosts,
                    },
                });
                clusters.AddRange(route.Versions.Values);
            }
        }

        return (routes, clusters);
    }
}

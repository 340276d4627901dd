using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Configuration;

/// <summary>router.json's releases as YARP routes (one per release route) and clusters (one per route and version).</summary>
internal static class YarpConfigBuilder
{
    /// <summary>
    /// Request header values go to backends in UTF-8: Kestrel accepts valid UTF-8 from users (a cookie such as
    /// <c>theme=café</c>), and HttpClient's default (ASCII only) would refuse to send it, a 502 the user cannot escape.
    /// </summary>
    public const string RequestHeaderEncoding = "utf-8";

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
                    MaxRequestBodySize = route.MaxRequestBodySize,
                    Timeout = route.TimeoutSeconds is { } seconds ? TimeSpan.FromMilliseconds(Math.Round(seconds * 1000)) : null,
                    TimeoutPolicy = route.TimeoutPolicy,
                    AuthorizationPolicy = route.AuthorizationPolicy,
                    CorsPolicy = route.CorsPolicy,
                    RateLimiterPolicy = route.RateLimiterPolicy,
                    Transforms = route.Transforms.Count == 0 ? null : route.Transforms,
                    Metadata = route.Metadata.Count == 0 ? null : route.Metadata,
                });
                clusters.AddRange(route.Versions.Values.Select(WithHeaderEncodings));
            }
        }

        return (routes, clusters);
    }

    /// <summary>
    /// The router's request header encoding, unless the operator's own cluster object chose one. Response headers
    /// keep HttpClient's default, Latin-1 (one char per byte, and its fast path for known values); the public
    /// listener writes them back as Latin-1 (<see cref="Hosting.PublicHost"/>), so a backend's bytes reach the user unchanged.
    /// </summary>
    public static ClusterConfig WithHeaderEncodings(ClusterConfig cluster)
    {
        var client = cluster.HttpClient ?? new HttpClientConfig();
        return cluster with { HttpClient = client with { RequestHeaderEncoding = client.RequestHeaderEncoding ?? RequestHeaderEncoding } };
    }
}

using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

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
                clusters.AddRange(route.Versions.Values.Select(c => WithHeaderEncodings(ToYarp(c))));
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

    /// <summary>A version's cluster as router.json's reader gives it, in YARP's own types (field for field).</summary>
    public static ClusterConfig ToYarp(YarpCluster cluster) => new()
    {
        ClusterId = cluster.ClusterId,
        LoadBalancingPolicy = cluster.LoadBalancingPolicy,
        SessionAffinity = cluster.SessionAffinity is { } affinity ? new SessionAffinityConfig
        {
            Enabled = affinity.Enabled,
            Policy = affinity.Policy,
            FailurePolicy = affinity.FailurePolicy,
            AffinityKeyName = affinity.AffinityKeyName!,
            Cookie = affinity.Cookie is { } cookie ? new SessionAffinityCookieConfig
            {
                Path = cookie.Path,
                Domain = cookie.Domain,
                HttpOnly = cookie.HttpOnly,
                SecurePolicy = (CookieSecurePolicy?)cookie.SecurePolicy,
                SameSite = (SameSiteMode?)cookie.SameSite,
                Expiration = cookie.Expiration,
                MaxAge = cookie.MaxAge,
                IsEssential = cookie.IsEssential,
            } : null,
        } : null,
        HealthCheck = cluster.HealthCheck is { } health ? new HealthCheckConfig
        {
            Passive = health.Passive is { } passive ? new PassiveHealthCheckConfig
            {
                Enabled = passive.Enabled, Policy = passive.Policy, ReactivationPeriod = passive.ReactivationPeriod,
            } : null,
            Active = health.Active is { } active ? new ActiveHealthCheckConfig
            {
                Enabled = active.Enabled, Interval = active.Interval, Timeout = active.Timeout, Policy = active.Policy, Path = active.Path, Query = active.Query,
            } : null,
            AvailableDestinationsPolicy = health.AvailableDestinationsPolicy,
        } : null,
        HttpClient = cluster.HttpClient is { } client ? new HttpClientConfig
        {
            SslProtocols = client.SslProtocols,
            DangerousAcceptAnyServerCertificate = client.DangerousAcceptAnyServerCertificate,
            MaxConnectionsPerServer = client.MaxConnectionsPerServer,
            WebProxy = client.WebProxy is { } proxy ? new WebProxyConfig
            {
                Address = proxy.Address, BypassOnLocal = proxy.BypassOnLocal, UseDefaultCredentials = proxy.UseDefaultCredentials,
            } : null,
            EnableMultipleHttp2Connections = client.EnableMultipleHttp2Connections,
            RequestHeaderEncoding = client.RequestHeaderEncoding,
            ResponseHeaderEncoding = client.ResponseHeaderEncoding,
        } : null,
        HttpRequest = cluster.HttpRequest is { } request ? new ForwarderRequestConfig
        {
            ActivityTimeout = request.ActivityTimeout,
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
            AllowResponseBuffering = request.AllowResponseBuffering,
        } : null,
        Destinations = cluster.Destinations?.ToDictionary(d => d.Key, d => new DestinationConfig
        {
            Address = d.Value.Address, Health = d.Value.Health, Metadata = d.Value.Metadata, Host = d.Value.Host,
        }, StringComparer.Ordinal),
        Metadata = cluster.Metadata,
    };
}

using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Canary.Router.Configuration;

/// <summary>
/// YARP's own route and cluster rules for what router.json can give it, with YARP's words, checked without YARP (it
/// needs ASP.NET Core), so <c>canary validate</c> lists them too. The router still runs YARP's validator after these
/// (<c>YarpConfigChecker</c>); a parity test in Cli.Tests starts the real router on broken files and compares.
/// The names are what the router registers: YARP's built-in policies, and no named authorization, CORS, rate-limiter
/// or timeout policy (only the reserved names pass). A route's transforms: <see cref="YarpTransformRules"/>.
/// </summary>
internal static class YarpRules
{
    private static readonly HashSet<string> LoadBalancing = new(["PowerOfTwoChoices", "FirstAlphabetical", "Random", "RoundRobin", "LeastRequests"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> Affinity = new(["Cookie", "HashCookie", "ArrCookie", "CustomHeader"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> AffinityFailure = new(["Redistribute", "Return503Error"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> AvailableDestinations = new(["HealthyAndUnknown", "HealthyOrPanic"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> ActiveHealth = new(["ConsecutiveFailures"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> PassiveHealth = new(["TransportFailureRate"], StringComparer.OrdinalIgnoreCase);

    public static void Check(RouterOptions options, List<ConfigProblem> problems)
    {
        // In YARP's order: every route, then every cluster.
        var routes = options.Releases.SelectMany(release => release.Routes.Select(route => (Id: ClusterIds.Route(release.Name, route.Name), Route: route))).ToList();
        foreach (var (id, route) in routes)
        {
            // YARP's validator asks the transform factories first.
            for (var i = 0; i < route.Transforms.Count; i++)
            {
                var transform = route.Transforms[i];
                if (transform.Count == 0)
                {
                    continue; // RouterConfigValidator's problem already, in clearer words than "Unknown transform: ".
                }

                problems.AddRange(YarpTransformRules.Errors(transform).Select(message => ForTransform(id, i, transform, message)));
            }

            problems.AddRange(RouteErrors(route, id).Select(message => ForRoute(id, route, message)));
        }

        foreach (var cluster in routes.SelectMany(r => r.Route.Versions.Values))
        {
            problems.AddRange(ClusterErrors(cluster).Select(message => ForCluster(cluster.ClusterId, message)));
        }
    }

    /// <summary>A YARP route error as a router.json problem: the route key it is about, by the words of the message (YARP names no field).</summary>
    public static ConfigProblem ForRoute(string routeId, RouteOptions route, string message)
    {
        var (field, value) = message switch
        {
            _ when message.Contains("authorization policy", StringComparison.OrdinalIgnoreCase) => ("AuthorizationPolicy", Quote(route.AuthorizationPolicy)),
            _ when message.Contains("cors policy", StringComparison.OrdinalIgnoreCase) => ("CorsPolicy", Quote(route.CorsPolicy)),
            _ when message.Contains("ratelimiter policy", StringComparison.OrdinalIgnoreCase) || message.Contains("rate limiter policy", StringComparison.OrdinalIgnoreCase) => ("RateLimiterPolicy", Quote(route.RateLimiterPolicy)),
            _ when message.Contains("timeout", StringComparison.OrdinalIgnoreCase) => (route.TimeoutPolicy is null ? "TimeoutSeconds" : "TimeoutPolicy", Quote(route.TimeoutPolicy)),
            _ => ("Path", route.Path),
        };
        return new ConfigProblem(PathOf(routeId) + "." + field, value, message);
    }

    /// <summary>A transform problem as a router.json problem: the transform by its index, shown as written.</summary>
    public static ConfigProblem ForTransform(string routeId, int index, IReadOnlyDictionary<string, string> transform, string message)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var (key, value) in transform)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        return new ConfigProblem($"{PathOf(routeId)}.Transforms[{index}]", Encoding.UTF8.GetString(buffer.ToArray()), message);
    }

    /// <summary>A YARP cluster error as a router.json problem about the version (<c>release/route/version</c>).</summary>
    public static ConfigProblem ForCluster(string clusterId, string message)
    {
        var slash = clusterId.LastIndexOf('/');
        return new ConfigProblem(PathOf(clusterId[..slash]) + ".Versions." + clusterId[(slash + 1)..], null, message);
    }

    private static string PathOf(string routeId)
    {
        var slash = routeId.IndexOf('/', StringComparison.Ordinal);
        return $"Router.Releases.{routeId[..slash]}.Routes.{routeId[(slash + 1)..]}";
    }

    private static string? Quote(string? text) => text is null ? null : "\"" + text + "\"";

    private static IEnumerable<string> RouteErrors(RouteOptions route, string routeId)
    {
        if (route.AuthorizationPolicy is { Length: > 0 } authorization && !Reserved(authorization, "Default", "Anonymous"))
        {
            yield return $"Authorization policy '{authorization}' not found for route '{routeId}'.";
        }

        if (route.RateLimiterPolicy is { Length: > 0 } rateLimiter && !Reserved(rateLimiter, "Default", "Disable"))
        {
            yield return $"RateLimiter policy '{rateLimiter}' not found for route '{routeId}'.";
        }

        if (route.TimeoutPolicy is { Length: > 0 } timeout && !Reserved(timeout, "Disable"))
        {
            yield return $"Timeout policy '{timeout}' not found for route '{routeId}'.";
        }

        if (route.CorsPolicy is { Length: > 0 } cors && !Reserved(cors, "Default", "Disable"))
        {
            yield return $"CORS policy '{cors}' not found for route '{routeId}'.";
        }

        if (!route.Hosts.Any(h => h.Length > 0) && route.Path.Length == 0)
        {
            yield return $"Route '{routeId}' requires Hosts or Path specified. Set the Path to '/{{**catchall}}' to match all requests.";
        }

        foreach (var host in route.Hosts)
        {
            if (host.Length == 0)
            {
                yield return $"Empty host name has been set for route '{routeId}'.";
            }
            else if (host.Contains("xn--", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"Punycode host name '{host}' has been set for route '{routeId}'. Use the unicode host name instead.";
            }
        }

        if (route.Path.Length > 0 && !RouteTemplate.IsValid(route.Path))
        {
            yield return $"Invalid path '{route.Path}' for route '{routeId}'.";
        }
    }

    private static bool Reserved(string name, params string[] reserved) => reserved.Contains(name, StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<string> ClusterErrors(YarpCluster cluster)
    {
        var id = cluster.ClusterId;
        if (cluster.SessionAffinity is { Enabled: true } affinity)
        {
            var policy = string.IsNullOrEmpty(affinity.Policy) ? "HashCookie" : affinity.Policy;
            if (!Affinity.Contains(policy))
            {
                yield return $"No matching ISessionAffinityPolicy found for the session affinity policy '{policy}' set on the cluster '{id}'.";
            }
        }

        foreach (var (name, destination) in cluster.Destinations ?? new Dictionary<string, YarpDestination>())
        {
            if (string.IsNullOrEmpty(destination.Address))
            {
                yield return $"No address found for destination '{name}' on cluster '{id}'.";
            }
        }

        var loadBalancing = string.IsNullOrEmpty(cluster.LoadBalancingPolicy) ? "PowerOfTwoChoices" : cluster.LoadBalancingPolicy;
        if (!LoadBalancing.Contains(loadBalancing))
        {
            yield return $"No matching ILoadBalancingPolicy found for the load balancing policy '{loadBalancing}' set on the cluster '{id}'.";
        }

        // YARP 2.3's order: health checks before the rest of session affinity.
        var available = string.IsNullOrEmpty(cluster.HealthCheck?.AvailableDestinationsPolicy) ? "HealthyOrPanic" : cluster.HealthCheck.AvailableDestinationsPolicy;
        if (!AvailableDestinations.Contains(available))
        {
            yield return $"No matching IAvailableDestinationsPolicy found for the available destinations policy '{available}' set on the cluster.'{id}'.";
        }

        if (cluster.HealthCheck?.Active is { Enabled: true } active)
        {
            var policy = string.IsNullOrEmpty(active.Policy) ? "ConsecutiveFailures" : active.Policy;
            if (!ActiveHealth.Contains(policy))
            {
                yield return $"No matching IActiveHealthCheckPolicy found for the active health check policy name '{policy}' set on the cluster '{id}'.";
            }

            if (active.Interval <= TimeSpan.Zero)
            {
                yield return $"Destination probing interval set on the cluster '{id}' must be positive.";
            }

            if (active.Timeout <= TimeSpan.Zero)
            {
                yield return $"Destination probing timeout set on the cluster '{id}' must be positive.";
            }
        }

        if (cluster.HealthCheck?.Passive is { Enabled: true } passive)
        {
            var policy = string.IsNullOrEmpty(passive.Policy) ? "TransportFailureRate" : passive.Policy;
            if (!PassiveHealth.Contains(policy))
            {
                yield return $"No matching IPassiveHealthCheckPolicy found for the passive health check policy name '{policy}' set on the cluster '{id}'.";
            }

            if (passive.ReactivationPeriod <= TimeSpan.Zero)
            {
                yield return $"Unhealthy destination reactivation period set on the cluster '{id}' must be positive.";
            }
        }

        if (cluster.SessionAffinity is { Enabled: true } sessionAffinity)
        {
            var failure = string.IsNullOrEmpty(sessionAffinity.FailurePolicy) ? "Redistribute" : sessionAffinity.FailurePolicy;
            if (!AffinityFailure.Contains(failure))
            {
                yield return $"No matching IAffinityFailurePolicy found for the affinity failure policy name '{failure}' set on the cluster '{id}'.";
            }

            if (string.IsNullOrEmpty(sessionAffinity.AffinityKeyName))
            {
                yield return $"Affinity key name set on the cluster '{id}' must not be null.";
            }

            if (sessionAffinity.Cookie?.Expiration <= TimeSpan.Zero)
            {
                yield return "Session affinity cookie expiration must be positive or null.";
            }

            if (sessionAffinity.Cookie?.MaxAge <= TimeSpan.Zero)
            {
                yield return "Session affinity cookie max-age must be positive or null.";
            }
        }

        if (cluster.HttpClient is { } client)
        {
            if (client.MaxConnectionsPerServer <= 0)
            {
                yield return $"Max connections per server limit set on the cluster '{id}' must be positive.";
            }

            if (client.RequestHeaderEncoding is { } request && !IsEncoding(request))
            {
                yield return $"Invalid request header encoding '{request}'.";
            }

            if (client.ResponseHeaderEncoding is { } response && !IsEncoding(response))
            {
                yield return $"Invalid response header encoding '{response}'.";
            }
        }
    }

    private static bool IsEncoding(string name)
    {
        try
        {
            _ = Encoding.GetEncoding(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

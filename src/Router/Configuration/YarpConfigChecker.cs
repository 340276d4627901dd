using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Configuration;

/// <summary>Runs YARP's own validator over the generated routes and clusters, naming problems by router.json path.</summary>
internal static class YarpConfigChecker
{
    public static async Task CheckAsync(IConfigValidator validator, RouterOptions options, string source)
    {
        var problems = new List<ConfigProblem>();
        var (routes, clusters) = YarpConfigBuilder.Build(options);
        foreach (var route in routes)
        {
            foreach (var error in await validator.ValidateRouteAsync(route))
            {
                var (field, value) = FieldOf(route, error.Message);
                problems.Add(new ConfigProblem(PathOf(route.RouteId, version: null) + "." + field, value, error.Message));
            }
        }

        foreach (var cluster in clusters)
        {
            foreach (var error in await validator.ValidateClusterAsync(cluster))
            {
                problems.Add(new ConfigProblem(PathOf(cluster.ClusterId[..cluster.ClusterId.LastIndexOf('/')], cluster.ClusterId[(cluster.ClusterId.LastIndexOf('/') + 1)..]), null, error.Message));
            }
        }

        if (problems.Count > 0)
        {
            throw new ConfigException(source, problems);
        }
    }

    private static string PathOf(string routeId, string? version)
    {
        var slash = routeId.IndexOf('/', StringComparison.Ordinal);
        var path = $"Router.Releases.{routeId[..slash]}.Routes.{routeId[(slash + 1)..]}";
        return version is null ? path : path + ".Versions." + version;
    }

    /// <summary>The route key a YARP route error is about, by the words of YARP's messages (it names no field).</summary>
    private static (string Field, string? Value) FieldOf(RouteConfig route, string message) => message switch
    {
        _ when message.Contains("authorization policy", StringComparison.OrdinalIgnoreCase) => ("AuthorizationPolicy", Quote(route.AuthorizationPolicy)),
        _ when message.Contains("cors policy", StringComparison.OrdinalIgnoreCase) => ("CorsPolicy", Quote(route.CorsPolicy)),
        _ when message.Contains("ratelimiter policy", StringComparison.OrdinalIgnoreCase) || message.Contains("rate limiter policy", StringComparison.OrdinalIgnoreCase) => ("RateLimiterPolicy", Quote(route.RateLimiterPolicy)),
        _ when message.Contains("timeout", StringComparison.OrdinalIgnoreCase) => (route.TimeoutPolicy is null ? "TimeoutSeconds" : "TimeoutPolicy", Quote(route.TimeoutPolicy)),
        _ when message.Contains("transform", StringComparison.OrdinalIgnoreCase) => ("Transforms", null),
        _ => ("Path", route.Match.Path),
    };

    private static string? Quote(string? text) => text is null ? null : "\"" + text + "\"";
}

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
                problems.Add(new ConfigProblem(PathOf(route.RouteId, version: null), route.Match.Path, error.Message));
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
        return version is null ? path + ".Path" : path + ".Versions." + version;
    }
}

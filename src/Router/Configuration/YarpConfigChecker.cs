using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Configuration;

/// <summary>
/// Runs YARP's own validator over the generated routes and clusters, naming problems by router.json path. The loader
/// has checked YARP's rules already (<see cref="YarpRules"/>, so the CLI lists them too); this is YARP's final word.
/// </summary>
internal static class YarpConfigChecker
{
    public static async Task CheckAsync(IConfigValidator validator, RouterOptions options, string source)
    {
        var problems = new List<ConfigProblem>();
        var (routes, clusters) = YarpConfigBuilder.Build(options);
        // Build makes one YARP route per release route, in order.
        foreach (var (route, routeOptions) in routes.Zip(options.Releases.SelectMany(r => r.Routes)))
        {
            foreach (var error in await validator.ValidateRouteAsync(route))
            {
                problems.Add(YarpRules.ForRoute(route.RouteId, routeOptions, error.Message));
            }
        }

        foreach (var cluster in clusters)
        {
            foreach (var error in await validator.ValidateClusterAsync(cluster))
            {
                problems.Add(YarpRules.ForCluster(cluster.ClusterId, error.Message));
            }
        }

        if (problems.Count > 0)
        {
            throw new ConfigException(source, problems);
        }
    }
}

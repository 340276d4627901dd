using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Canary.Router.Configuration;

/// <summary>
/// Runs YARP's own validator over the generated routes and clusters, naming problems by router.json path. The loader
/// has checked YARP's rules already (<see cref="YarpRules"/>, so the CLI lists them too); this is YARP's final word.
/// </summary>
internal static class YarpConfigChecker
{
    public static async Task CheckAsync(IConfigValidator validator, ITransformBuilder transforms, RouterOptions options, string source)
    {
        var problems = new List<ConfigProblem>();
        var (routes, clusters) = YarpConfigBuilder.Build(options);
        // Build makes one YARP route per release route, in order.
        foreach (var (route, routeOptions) in routes.Zip(options.Releases.SelectMany(r => r.Routes)))
        {
            // Each transform on its own, so each problem names its transform (YARP's validator asks the transform
            // builder first, then checks the rest of the route, which it is asked below without the transforms).
            for (var i = 0; i < routeOptions.Transforms.Count; i++)
            {
                var transform = routeOptions.Transforms[i];
                problems.AddRange(TransformErrors(transforms, route with { Transforms = [transform] })
                    .Select(message => YarpRules.ForTransform(route.RouteId, i, transform, message)));
            }

            foreach (var error in await validator.ValidateRouteAsync(route with { Transforms = null }))
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

    /// <summary>
    /// The transform factories' validation, then building the transform: a factory may throw while validating, and
    /// building refuses values validation lets through, which YARP would only find applying the config (a failed
    /// start, or a reload it logs and ignores while the router's own state has moved on).
    /// </summary>
    private static IEnumerable<string> TransformErrors(ITransformBuilder transforms, RouteConfig route)
    {
        try
        {
            var errors = transforms.ValidateRoute(route);
            if (errors.Count > 0)
            {
                return errors.Select(e => e.Message);
            }

            _ = transforms.Build(route, null);
            return [];
        }
        catch (RoutePatternException)
        {
            return [YarpTransformRules.InvalidPathPattern(route.Transforms![0]["PathPattern"])];
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return [e.Message];
        }
    }
}

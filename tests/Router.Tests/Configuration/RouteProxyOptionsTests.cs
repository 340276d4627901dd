using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using static Canary.Router.Tests.Configuration.RouterJson;

namespace Canary.Router.Tests.Configuration;

/// <summary>A route's YARP options in router.json: read, validated with every problem listed, and handed to YARP as they were written.</summary>
public sealed class RouteProxyOptionsTests
{
    private const string Api = $"{Shop}.Routes.api";

    [Fact]
    public void Build_EveryRouteOption_PassedToYarpsRoute()
    {
        var json = Edit(r =>
        {
            var api = r["Releases"]!["shop"]!["Routes"]!["api"]!;
            api["MaxRequestBodySize"] = -1;
            api["TimeoutSeconds"] = 2.5;
            api["AuthorizationPolicy"] = "Default";
            api["CorsPolicy"] = "Disable";
            api["RateLimiterPolicy"] = "Disable";
            api["Transforms"] = new JsonArray(new JsonObject { ["PathPrefix"] = "/v1" }, new JsonObject { ["RequestHeader"] = "X-From", ["Set"] = "router" });
            api["Metadata"] = new JsonObject { ["team"] = "checkout" };
        });

        var options = RouterConfigLoader.Parse(json, "test");
        var route = YarpConfigBuilder.Build(options).Routes.Single(r => r.RouteId == "shop/api");

        Assert.Equal(-1, route.MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), route.Timeout);
        Assert.Null(route.TimeoutPolicy);
        Assert.Equal("Default", route.AuthorizationPolicy);
        Assert.Equal("Disable", route.CorsPolicy);
        Assert.Equal("Disable", route.RateLimiterPolicy);
        Assert.Equal(2, route.Transforms!.Count);
        Assert.Equal("/v1", route.Transforms[0]["PathPrefix"]);
        Assert.Equal("router", route.Transforms[1]["Set"]);
        Assert.Equal("checkout", route.Metadata!["team"]);
    }

    [Fact]
    public void Build_NoRouteOptions_YarpDefaults()
    {
        var route = YarpConfigBuilder.Build(RouterConfigLoader.Parse(Valid, "test")).Routes.Single(r => r.RouteId == "shop/api");

        Assert.Null(route.MaxRequestBodySize);
        Assert.Null(route.Timeout);
        Assert.Null(route.Transforms);
        Assert.Null(route.Metadata);
        Assert.Null(route.AuthorizationPolicy);
    }

    [Fact]
    public void Parse_BadRouteOptions_EveryProblemListed()
    {
        var problems = Problems(Edit(r =>
        {
            var api = r["Releases"]!["shop"]!["Routes"]!["api"]!;
            api["MaxRequestBodySize"] = 0;
            api["TimeoutSeconds"] = 0;
            api["TimeoutPolicy"] = "slow";
            api["AuthorizationPolicy"] = " ";
            api["CorsPolicy"] = 3;
            api["Transforms"] = new JsonArray(new JsonObject(), new JsonObject { ["PathPrefix"] = 1 }, "PathPrefix");
            api["Metadata"] = new JsonObject { ["team"] = true };
        }));

        AssertProblem(problems, $"{Api}.MaxRequestBodySize", "must be -1 (no limit) or at least 1 byte");
        AssertProblem(problems, $"{Api}.TimeoutSeconds", "must be between 0.001 and 86400");
        AssertProblem(problems, $"{Api}.TimeoutPolicy", "cannot be set together with TimeoutSeconds");
        AssertProblem(problems, $"{Api}.AuthorizationPolicy", "must name a policy");
        AssertProblem(problems, $"{Api}.CorsPolicy", "must be a string");
        AssertProblem(problems, $"{Api}.Transforms[0]", "must name a transform");
        AssertProblem(problems, $"{Api}.Transforms[1].PathPrefix", "must be a string");
        AssertProblem(problems, $"{Api}.Transforms[2]", "must be an object of string values");
        AssertProblem(problems, $"{Api}.Metadata.team", "must be a string");
    }

    [Fact]
    public void Parse_BodySizeNotWhole_Refused()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["MaxRequestBodySize"] = 1.5));

        AssertProblem(problems, $"{Api}.MaxRequestBodySize", "must be a whole number");
    }
}

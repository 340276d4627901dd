using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.Experiments;
using Canary.Router.Metrics;
using static Canary.Router.Tests.Configuration.RouterJson;

namespace Canary.Router.Tests.Experiments;

public sealed class GoalConfigTests
{
    [Fact]
    public void Parse_RequestAndBeaconGoals_Read()
    {
        var json = WithGoals("""
            [
              { "Name": "orders", "Type": "Request", "Route": "api", "Method": "POST", "Path": "/api/orders", "Status": "2xx" },
              { "Name": "score", "Type": "Beacon", "Value": true, "Min": 1, "Max": 5 }
            ]
            """);

        var goals = RouterConfigLoader.Parse(json, "test").Releases[0].Goals;

        Assert.Equal(2, goals.Count);
        Assert.Equal(new GoalOptions { Name = "orders", Type = GoalType.Request, Route = "api", Method = "POST", Path = "/api/orders", Status = StatusClass.Success2xx, Index = 0, HasStatus = true }, goals[0]);
        Assert.Equal(GoalType.Beacon, goals[1].Type);
        Assert.True(goals[1].Value);
        Assert.Equal(1, goals[1].Min);
        Assert.Equal(5, goals[1].Max);
    }

    [Fact]
    public void Parse_BadGoals_EveryProblemListed()
    {
        var json = WithGoals("""
            [
              { "Name": "orders", "Type": "Request", "Route": "nope", "Path": "api/*/x", "Status": "2xxx" },
              { "Name": "orders", "Type": "Beacon", "Path": "/x", "Min": 1 },
              { "Name": "bad name!", "Type": "Sometimes" },
              { "Name": "range", "Type": "Beacon", "Value": true, "Min": 5, "Max": 1, "Colour": "red" },
              { "Name": "nothing", "Type": "Request" }
            ]
            """);

        var problems = Problems(json);

        AssertProblem(problems, $"{Shop}.Goals[0].Route", "is not a route of this release");
        AssertProblem(problems, $"{Shop}.Goals[0].Path", "must start with '/'");
        AssertProblem(problems, $"{Shop}.Goals[0].Status", "must be 2xx, 3xx, 4xx, 5xx or error");
        AssertProblem(problems, $"{Shop}.Goals[1].Name", "is used by another goal");
        AssertProblem(problems, $"{Shop}.Goals[1]", "are for request goals");
        AssertProblem(problems, $"{Shop}.Goals[1].Value", "must be true for Min and Max");
        AssertProblem(problems, $"{Shop}.Goals[2].Name", "letters, digits");
        AssertProblem(problems, $"{Shop}.Goals[2].Type", "must be Request or Beacon");
        AssertProblem(problems, $"{Shop}.Goals[3].Min", "must not be above Max");
        AssertProblem(problems, $"{Shop}.Goals[3].Colour", "");
        AssertProblem(problems, $"{Shop}.Goals[4]", "needs a Route or a Path");
    }

    [Fact]
    public void Parse_TooManyGoals_Refused()
    {
        var goals = string.Join(",", Enumerable.Range(0, GoalValidator.MaxGoals + 1).Select(i => $$"""{ "Name": "g{{i}}", "Type": "Beacon" }"""));
        AssertProblem(Problems(WithGoals("[" + goals + "]")), $"{Shop}.Goals", "at most 20 per release");
    }

    [Fact]
    public void Parse_RouteUnderRoutersOwnPrefix_Refused()
    {
        var json = Edit(router => router["Releases"]!["shop"]!["Routes"]!["api"]!["Path"] = "/canary/{**rest}");
        AssertProblem(Problems(json), $"{Shop}.Routes.api.Path", "must not start with /canary/");
    }

    private static string WithGoals(string goals) => Edit(router => router["Releases"]!["shop"]!["Goals"] = JsonNode.Parse(goals));
}

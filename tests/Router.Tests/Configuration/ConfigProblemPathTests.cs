using System.Text.Json.Nodes;
using static Canary.Router.Tests.Configuration.RouterJson;

namespace Canary.Router.Tests.Configuration;

/// <summary>Problem paths must lead the operator to the right place in the file: the index or key as written there.</summary>
public sealed class ConfigProblemPathTests
{
    [Fact]
    public void Parse_EarlierSegmentUnreadable_LaterSegmentProblemNamesItsOwnIndex()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Segments"] = JsonNode.Parse("""
            [
              { "Name": "no-source", "Values": ["x"], "Version": "v2" },
              { "Name": "typo", "Header": "X-Beta", "Values": ["true"], "Version": "v9" }
            ]
            """)));

        AssertProblem(problems, $"{Shop}.Segments[0]", "found 0");
        AssertProblem(problems, $"{Shop}.Segments[1].Version", "is not a version");
    }

    [Fact]
    public void Parse_EarlierUserKeyNotAString_LaterUserKeyProblemNamesItsOwnIndex()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["UserKey"] = JsonNode.Parse("""[5, "foo"]""")));

        AssertProblem(problems, $"{Shop}.UserKey[0]", "must be a string");
        AssertProblem(problems, $"{Shop}.UserKey[1]", "must be header:NAME");
    }

    [Fact]
    public void Parse_EarlierUserKeyMalformed_ClaimProblemNamesItsOwnIndex()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["UserKey"] = new JsonArray("foo", "claim:sub")));

        AssertProblem(problems, $"{Shop}.UserKey[0]", "must be header:NAME");
        AssertProblem(problems, $"{Shop}.UserKey[1]", "need Router.Authentication");
    }

    [Fact]
    public void Parse_BadDestinationInList_ProblemNamesTheListIndex()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v2"] = new JsonArray("http://127.0.0.1:5002", "ftp://x")));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v2[1]", "absolute http:// or https:// address");
    }

    [Fact]
    public void Parse_BadDestinationInClusterObject_ProblemNamesTheDestination()
    {
        var problems = Problems(Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = JsonNode.Parse(
            """{ "Destinations": { "a": { "Address": "ftp://x" } } }""")));

        AssertProblem(problems, $"{Shop}.Routes.api.Versions.v1.Destinations.a.Address", "absolute http:// or https:// address");
    }

    [Fact]
    public void Parse_ProblemPaths_OneForm()
    {
        // An unknown key (found while reading) and a range (found while validating) in the same release.
        var problems = Problems(Edit(r =>
        {
            r["Releases"]!["shop"]!["Wieght"] = 20;
            r["Releases"]!["shop"]!["Weight"] = 150;
        }));

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.StartsWith($"{Shop}.", p.Path, StringComparison.Ordinal));
    }
}

using System.Text.Json.Nodes;
using Canary.Router.Configuration;

namespace Canary.Router.Tests.Configuration;

/// <summary>A valid router.json to start from, edits of it, and assertions on the problems the loader reports.</summary>
internal static class RouterJson
{
    public const string Shop = "Router.Releases.shop";

    public const string Valid = """
        {
          "Router": {
            "PublicUrls": "http://127.0.0.1:8080",
            "AdminUrls": "http://127.0.0.1:8081",
            "StateFile": "router.state.json",
            "Releases": {
              "shop": {
                "Stable": "v1",
                "Canary": "v2",
                "Weight": 10,
                "UserKey": ["header:X-User-Id", "cookie:uid"],
                "Segments": [
                  { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v2" }
                ],
                "Guard": { "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05, "MaxP99Ms": 1000 },
                "Routes": {
                  "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"], "v2": ["http://127.0.0.1:5002"] } },
                  "web": { "Path": "/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5011"], "v2": ["http://127.0.0.1:5012"] } }
                }
              }
            }
          }
        }
        """;

    /// <summary>The valid file with one change made to its "Router" object.</summary>
    public static string Edit(Action<JsonNode> change)
    {
        var root = JsonNode.Parse(Valid, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        change(root["Router"]!);
        return root.ToJsonString();
    }

    public static IReadOnlyList<ConfigProblem> Problems(string json) =>
        Assert.Throws<ConfigException>(() => RouterConfigLoader.Parse(json, "test")).Problems;

    /// <summary>
    /// The problem at <paramref name="path"/> whose message says <paramref name="why"/>. Problems found while reading
    /// the JSON shape are named from the document root ("$.Router..."), semantic ones from "Router..."; both are
    /// accepted here, and ConfigProblemPathTests holds the router to one form.
    /// </summary>
    public static ConfigProblem AssertProblem(IReadOnlyList<ConfigProblem> problems, string path, string why)
    {
        var found = problems.FirstOrDefault(p => (p.Path == path || p.Path == "$." + path) && p.Message.Contains(why, StringComparison.Ordinal));
        Assert.True(found is not null, $"no problem at {path} saying \"{why}\" among:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
        return found;
    }
}

using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;

namespace Canary.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-cli-validate-").FullName;

    public void Dispose() => TempFolder.DeleteQuietly(_folder);

    [Fact]
    public async Task Validate_TheRepositorysRouterJson_IsValid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "router.json");

        var text = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path);
        var json = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path, "-o", "json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("is valid: 1 release(s) (shop)", text.Out, StringComparison.Ordinal);
        Assert.True((bool)json.Json["valid"]!);
        Assert.Equal(["shop"], json.Json["releases"]!.AsArray().Select(r => (string?)r));
        Assert.Empty(json.Json["problems"]!.AsArray());
    }

    [Fact]
    public async Task Validate_ABrokenFile_ListsEveryProblemAndExits6()
    {
        // Four independent mistakes, each of which the router reports on its own.
        var path = Write("""
            {
              "Router": {
                "Releases": {
                  "shop": {
                    "Stable": "v1",
                    "Canary": "v2",
                    "Weight": 150,
                    "Wieght": 10,
                    "Segments": [ { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v9" } ],
                    "Routes": {
                      "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"], "v2": ["ftp://127.0.0.1:5002"] } }
                    }
                  }
                }
              }
            }
            """);

        var text = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path);
        var json = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path, "--output", "json");

        Assert.Equal(ExitCodes.InvalidConfig, text.ExitCode);
        Assert.Contains("has 4 problem(s):", text.Out, StringComparison.Ordinal);
        string[] paths =
        [
            "Router.Releases.shop.Weight",
            "Router.Releases.shop.Wieght",
            "Router.Releases.shop.Segments[0].Version",
            "Router.Releases.shop.Routes.api.Versions.v2[0]",
        ];
        foreach (var problemPath in paths)
        {
            Assert.Contains("  " + problemPath, text.Out, StringComparison.Ordinal);
        }

        Assert.Equal(ExitCodes.InvalidConfig, json.ExitCode);
        Assert.False((bool)json.Json["valid"]!);
        var problems = json.Json["problems"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(paths.Order(StringComparer.Ordinal), problems.Select(p => (string)p["path"]!).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.False(string.IsNullOrEmpty((string?)p["message"])));
        Assert.Equal("150", (string?)problems.Single(p => (string?)p["path"] == "Router.Releases.shop.Weight")["value"]);
    }

    [Fact]
    public async Task Validate_YarpsOwnRules_AreAppliedToo()
    {
        // The router's reader accepts this path; YARP's route validator refuses it, at start and at reload alike.
        var path = Write("""
            { "Router": { "Releases": { "shop": { "Stable": "v1",
              "Routes": { "api": { "Path": "/api/{**rest}/{x}", "Versions": { "v1": ["http://127.0.0.1:5001"] } } } } } } }
            """);

        var result = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path, "-o", "json");

        Assert.Equal(ExitCodes.InvalidConfig, result.ExitCode);
        Assert.Contains(result.Json["problems"]!.AsArray(), p => (string?)p!["path"] == "Router.Releases.shop.Routes.api.Path");
    }

    [Theory]
    [InlineData("{ \"Router\": ")]
    [InlineData(null)]
    public async Task Validate_UnreadableOrMalformed_Exits6(string? content)
    {
        var path = content is null ? Path.Combine(_folder, "missing.json") : Write(content);

        var result = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path);

        Assert.Equal(ExitCodes.InvalidConfig, result.ExitCode);
        Assert.Contains("has 1 problem(s):", result.Out, StringComparison.Ordinal);
        Assert.Contains(content is null ? "cannot be read" : "is not valid JSON", result.Out, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_folder, $"router-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}

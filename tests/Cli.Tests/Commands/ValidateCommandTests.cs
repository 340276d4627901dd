using System.Text.Json.Nodes;
using Canary.Cli.Tests.Support;
using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>Route keys and cluster objects that only YARP's rules refuse, and one mistake of Canary's own.</summary>
    public static TheoryData<string, string> BrokenForTheRouter => new()
    {
        { "Weight", """ "Weight": 150, "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"] } } } """ },
        { "template", """ "Routes": { "api": { "Path": "/api/{x}{y}/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"] } } } """ },
        {
            "policies and hosts",
            """
            "Routes": { "api": { "Path": "/api/{**rest}", "Hosts": ["xn--caf-dma.example", "shop.example"], "AuthorizationPolicy": "admins",
              "CorsPolicy": "web", "RateLimiterPolicy": "fixed", "TimeoutPolicy": "slow", "Versions": { "v1": ["http://127.0.0.1:5001"] } } }
            """
        },
        {
            "transforms",
            """
            "Routes": { "api": { "Path": "/api/{**rest}", "Hosts": ["xn--caf-dma.example"], "Versions": { "v1": ["http://127.0.0.1:5001"] }, "Transforms": [
              { "PathPrefix": "/v1" }, { "RequestHeader": "X-From", "Sett": "router" }, { "PathPattern": "/{id" }, { "X-Forwarded": "Drop" },
              { "RequestHeader": "", "Set": "x" }, { "HttpMethodChange": "GET", "Set": "POST", "Extra": "1" }, { "Unknown": "1" } ] } }
            """
        },
        {
            "cluster object",
            """
            "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": {
              "LoadBalancingPolicy": "Fastest",
              "SessionAffinity": { "Enabled": true, "Policy": "Sticky", "FailurePolicy": "Retry", "Cookie": { "Expiration": "00:00:00", "MaxAge": "-00:00:01" } },
              "HealthCheck": { "AvailableDestinationsPolicy": "Any", "Active": { "Enabled": true, "Policy": "Ping", "Interval": "00:00:00", "Timeout": "00:00:00" },
                "Passive": { "Enabled": true, "Policy": "Guess", "ReactivationPeriod": "00:00:00" } },
              "HttpClient": { "MaxConnectionsPerServer": 0, "RequestHeaderEncoding": "klingon", "ResponseHeaderEncoding": "utf-8" },
              "Destinations": { "a": { "Address": "http://127.0.0.1:5001" } } } } } }
            """
        },
    };

    [Theory]
    [MemberData(nameof(BrokenForTheRouter))]
    public async Task Validate_AFileTheRouterRefuses_TheSameProblemsAsTheRoutersStart(string mistake, string release)
    {
        var path = Write("""{ "Router": { "PublicUrls": "http://127.0.0.1:0", "AdminUrls": "http://127.0.0.1:0", "Releases": { "shop": { "Stable": "v1", """ + release + " } } } }");

        var cli = await CliRun.RunAsync(new Dictionary<string, string>(), "validate", path, "-o", "json");
        var router = await Assert.ThrowsAsync<ConfigException>(() => RouterHost.StartAsync(path, new RouterHostOptions { AdminKey = Canary.Router.Admin.AdminKey.Load("parity-test-key", null) }));

        Assert.True(cli.ExitCode == ExitCodes.InvalidConfig, mistake + ": " + cli);
        var listed = cli.Json["problems"]!.AsArray().Select(p => $"{(string?)p!["path"]} | {(string?)p["value"]} | {(string?)p["message"]}").ToList();
        Assert.Equal(router.Problems.Select(Line), listed);

        // The router refuses these at loading, before YARP's validator is asked: ask it, as a running router's own.
        var own = new List<ConfigProblem>();
        var options = RouterConfigReader.Read(await File.ReadAllTextAsync(path), own)!;
        RouterConfigValidator.Validate(options, own);
        if (own.Count == 0)
        {
            await using var running = await RouterHost.StartAsync(Write("""
                { "Router": { "PublicUrls": "http://127.0.0.1:0", "AdminUrls": "http://127.0.0.1:0",
                  "Releases": { "shop": { "Stable": "v1", "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:5001"] } } } } } } }
                """), new RouterHostOptions { AdminKey = Canary.Router.Admin.AdminKey.Load("parity-test-key", null) });
            var validator = running.PublicServices.GetRequiredService<Yarp.ReverseProxy.Configuration.IConfigValidator>();
            var transforms = running.PublicServices.GetRequiredService<Yarp.ReverseProxy.Transforms.Builder.ITransformBuilder>();
            var yarp = await Assert.ThrowsAsync<ConfigException>(() => YarpConfigChecker.CheckAsync(validator, transforms, options, path));
            Assert.Equal(yarp.Problems.Select(Line), listed);
        }
    }

    private static string Line(ConfigProblem p) => $"{p.Path} | {p.Value} | {p.Message}";

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

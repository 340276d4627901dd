using Canary.Router.Configuration;
using Canary.Router.Hosting;

namespace Canary.Router.FunctionalTests.Hosting;

/// <summary>A bad router.json stops the router before it listens, naming every problem.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("canary-startup-").FullName;

    public void Dispose() => TempFolder.DeleteQuietly(_folder);

    [Fact]
    public async Task StartAsync_InvalidFile_ConfigExceptionListingEveryProblem()
    {
        var path = Write("""
            {
              "Router": {
                "PublicUrls": "http://127.0.0.1:0", "AdminUrls": "http://127.0.0.1:0",
                "Releases": { "shop": {
                  "Stable": "v1", "Canary": "v1", "Weight": 101,
                  "Routes": { "api": { "Path": "api", "Versions": { "v1": ["ftp://x"] } } }
                } }
              }
            }
            """);

        var error = await Assert.ThrowsAsync<ConfigException>(() => RouterHost.StartAsync(path));

        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Path == "Router.Releases.shop.Canary");
        Assert.Contains(error.Problems, p => p.Path == "Router.Releases.shop.Weight");
        Assert.Contains(error.Problems, p => p.Path == "Router.Releases.shop.Routes.api.Path");
        Assert.Contains(error.Problems, p => p.Path.StartsWith("Router.Releases.shop.Routes.api.Versions.v1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_ClusterRefusedByYarp_ProblemNamesTheVersion()
    {
        // Our validator passes it; YARP's own validator knows no such policy.
        var path = Write("""
            {
              "Router": {
                "PublicUrls": "http://127.0.0.1:0", "AdminUrls": "http://127.0.0.1:0",
                "Releases": { "shop": {
                  "Stable": "v1",
                  "Routes": { "api": { "Path": "/api/{**rest}", "Versions": {
                    "v1": { "Destinations": { "a": { "Address": "http://127.0.0.1:1" } }, "LoadBalancingPolicy": "NoSuchPolicy" }
                  } } }
                } }
              }
            }
            """);

        var error = await Assert.ThrowsAsync<ConfigException>(() => RouterHost.StartAsync(path));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("Router.Releases.shop.Routes.api.Versions.v1", problem.Path);
        Assert.Contains("NoSuchPolicy", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MissingFile_ConfigException()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => RouterHost.StartAsync(Path.Combine(_folder, "nope.json")));

        Assert.Contains("cannot be read", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_folder, "router.json");
        File.WriteAllText(path, json);
        return path;
    }
}

using Canary.Router.Configuration;

namespace Canary.Router.Tests.Configuration;

/// <summary>Every cluster gets the router's header encodings unless the operator's own cluster object chose one.</summary>
public sealed class YarpConfigBuilderTests
{
    [Fact]
    public void Build_AddressList_Utf8RequestHeadersDefaultResponseHeaders()
    {
        var (_, clusters) = YarpConfigBuilder.Build(RouterConfigLoader.Parse(RouterJson.Valid, "test"));

        Assert.Equal(4, clusters.Count);
        Assert.All(clusters, c =>
        {
            Assert.Equal("utf-8", c.HttpClient!.RequestHeaderEncoding);
            Assert.Null(c.HttpClient.ResponseHeaderEncoding); // HttpClient's default: Latin-1
        });
    }

    [Fact]
    public void Build_ClusterObjectWithItsOwnEncodings_Kept()
    {
        var json = RouterJson.Edit(router => router["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v2"] = System.Text.Json.Nodes.JsonNode.Parse("""
            { "Destinations": { "a": { "Address": "http://127.0.0.1:5002" } },
              "HttpClient": { "RequestHeaderEncoding": "iso-8859-1", "MaxConnectionsPerServer": 7 } }
            """));

        var (_, clusters) = YarpConfigBuilder.Build(RouterConfigLoader.Parse(json, "test"));

        var v2 = clusters.Single(c => c.ClusterId == ClusterIds.For("shop", "api", "v2"));
        Assert.Equal("iso-8859-1", v2.HttpClient!.RequestHeaderEncoding);
        Assert.Equal(7, v2.HttpClient.MaxConnectionsPerServer);
    }
}

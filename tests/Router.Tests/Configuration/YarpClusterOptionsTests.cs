using Canary.Router.Configuration;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Canary.Router.Tests.Configuration;

public sealed class YarpClusterOptionsTests
{
    public static TheoryData<Type, Type> Mirrors => new()
    {
        { typeof(YarpCluster), typeof(ClusterConfig) },
        { typeof(YarpDestination), typeof(DestinationConfig) },
        { typeof(YarpSessionAffinity), typeof(SessionAffinityConfig) },
        { typeof(YarpAffinityCookie), typeof(SessionAffinityCookieConfig) },
        { typeof(YarpHealthCheck), typeof(HealthCheckConfig) },
        { typeof(YarpActiveHealthCheck), typeof(ActiveHealthCheckConfig) },
        { typeof(YarpPassiveHealthCheck), typeof(PassiveHealthCheckConfig) },
        { typeof(YarpHttpClient), typeof(HttpClientConfig) },
        { typeof(YarpWebProxy), typeof(WebProxyConfig) },
        { typeof(YarpHttpRequest), typeof(ForwarderRequestConfig) },
    };

    /// <summary>router.json reads a cluster object into these records: a key YARP has and they lack would be refused as unknown.</summary>
    [Theory]
    [MemberData(nameof(Mirrors))]
    public void Mirror_SameSettablePropertiesAsYarp(Type mirror, Type yarp)
    {
        static IEnumerable<string> Names(Type type) =>
            type.GetProperties().Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(Names(yarp), Names(mirror));
    }

    [Fact]
    public void ToYarp_AFullClusterObject_KeepsEveryField()
    {
        var options = RouterConfigLoader.Parse(RouterJson.Edit(r => r["Releases"]!["shop"]!["Routes"]!["api"]!["Versions"]!["v1"] = System.Text.Json.Nodes.JsonNode.Parse("""
            {
              "LoadBalancingPolicy": "RoundRobin",
              "SessionAffinity": { "Enabled": true, "Policy": "Cookie", "AffinityKeyName": "aff", "Cookie": { "SameSite": "Strict", "SecurePolicy": "Always", "MaxAge": "01:00:00" } },
              "HealthCheck": { "Active": { "Enabled": true, "Interval": "00:00:10", "Path": "/health" }, "Passive": { "Enabled": true, "ReactivationPeriod": "00:01:00" } },
              "HttpClient": { "MaxConnectionsPerServer": 10, "ResponseHeaderEncoding": "utf-8", "WebProxy": { "Address": "http://proxy:3128" } },
              "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionOrLower", "ActivityTimeout": "00:00:30" },
              "Destinations": { "a": { "Address": "http://127.0.0.1:5001", "Host": "a.example", "Metadata": { "zone": "1" } } },
              "Metadata": { "team": "shop" }
            }
            """)), "test");

        var cluster = YarpConfigBuilder.ToYarp(options.Releases[0].Routes[0].Versions["v1"]);

        Assert.Equal("shop/api/v1", cluster.ClusterId);
        Assert.Equal("RoundRobin", cluster.LoadBalancingPolicy);
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Strict, cluster.SessionAffinity!.Cookie!.SameSite);
        Assert.Equal(Microsoft.AspNetCore.Http.CookieSecurePolicy.Always, cluster.SessionAffinity.Cookie.SecurePolicy);
        Assert.Equal(TimeSpan.FromHours(1), cluster.SessionAffinity.Cookie.MaxAge);
        Assert.Equal("/health", cluster.HealthCheck!.Active!.Path);
        Assert.Equal(TimeSpan.FromMinutes(1), cluster.HealthCheck.Passive!.ReactivationPeriod);
        Assert.Equal(new Uri("http://proxy:3128"), cluster.HttpClient!.WebProxy!.Address);
        Assert.Equal(10, cluster.HttpClient.MaxConnectionsPerServer);
        Assert.Equal(new Version(2, 0), cluster.HttpRequest!.Version);
        Assert.Equal(System.Net.Http.HttpVersionPolicy.RequestVersionOrLower, cluster.HttpRequest.VersionPolicy);
        Assert.Equal("a.example", cluster.Destinations!["a"].Host);
        Assert.Equal("1", cluster.Destinations["a"].Metadata!["zone"]);
        Assert.Equal("shop", cluster.Metadata!["team"]);
    }
}

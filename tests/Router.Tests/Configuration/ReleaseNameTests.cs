using System.Text.Json.Nodes;

namespace Canary.Router.Tests.Configuration;

/// <summary>A release is addressed by its name in a URL path segment (/admin/releases/{name}): every name must be addressable.</summary>
public sealed class ReleaseNameTests
{
    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Validate_DotSegmentName_Refused(string name)
    {
        var json = RouterJson.Edit(router =>
        {
            var releases = router["Releases"]!.AsObject();
            var shop = releases["shop"]!.DeepClone();
            releases.Remove("shop");
            releases[name] = shop;
        });

        RouterJson.AssertProblem(RouterJson.Problems(json), $"Router.Releases.{name}", "cannot be '.' or '..'");
    }

    [Theory]
    [InlineData("...")]
    [InlineData(".shop")]
    [InlineData("shop.v2")]
    public void Validate_NameWithDotsThatIsNoDotSegment_Accepted(string name)
    {
        var json = RouterJson.Edit(router =>
        {
            var releases = router["Releases"]!.AsObject();
            var shop = releases["shop"]!.DeepClone();
            releases.Remove("shop");
            releases[name] = shop;
        });

        var options = Canary.Router.Configuration.RouterConfigLoader.Parse(json, "test");

        Assert.Equal(name, Assert.Single(options.Releases).Name);
    }

    [Fact]
    public void Read_KeyRepeatedInAnotherCase_RefusedNamingIt()
    {
        var json = RouterJson.Valid.Replace("\"Weight\": 10,", "\"Weight\": 10, \"weight\": 90,", StringComparison.Ordinal);

        RouterJson.AssertProblem(RouterJson.Problems(json), "Router.Releases.shop.weight", "more than once");
    }
}

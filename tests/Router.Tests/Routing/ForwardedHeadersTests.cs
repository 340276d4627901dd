using Canary.Router.Routing;

namespace Canary.Router.Tests.Routing;

/// <summary>The fields a Connection header names (RFC 9110 7.6.1), less the ones that are not the sender's to remove.</summary>
public sealed class ForwardedHeadersTests
{
    [Theory]
    [InlineData(new[] { "X-Secret" }, new[] { "X-Secret" })]
    [InlineData(new[] { "keep-alive, X-A ,x-b", "close" }, new[] { "X-A", "x-b" })]
    [InlineData(new[] { "Upgrade" }, new string[0])]
    [InlineData(new[] { "X-Canary-Version, Set-Cookie, X-Forwarded-For, Forwarded, X-Forwarded-Host" }, new string[0])]
    [InlineData(new[] { "bad name, a@b, , ok" }, new[] { "ok" })]
    public void ConnectionOptions_NamedFields(string[] connection, string[] expected) =>
        Assert.Equal(expected, ForwardedHeaders.ConnectionOptions(connection));
}

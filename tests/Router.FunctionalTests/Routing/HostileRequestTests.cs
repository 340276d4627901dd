using System.Text;
using Canary.Router.FunctionalTests.Fuzz;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// What the router does with end users' odd but legal requests: non-ASCII header values pass both ways, hop-by-hop
/// fields named in Connection stop at the router, TRACE is not forwarded, and its own errors say nosniff.
/// </summary>
public sealed class HostileRequestTests(HostileRigFixture fixture) : IClassFixture<HostileRigFixture>
{
    private readonly HostileRig _rig = fixture.Rig;

    [Theory]
    [InlineData("X-User-Id")]
    [InlineData("X-Beta")]
    public async Task NonAsciiCookieAndHeader_ReachTheCanaryAsUtf8_200(string choice)
    {
        var chosen = choice == "X-Beta" ? "X-Beta: true" : $"X-User-Id: {Cohorts.FirstUserOn("v2", HostileRig.Weight)}";

        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("GET", "/app/x", [
            chosen,
            RawHttp.Utf8Bytes("Cookie: theme=café; uid2=ünï"),
            RawHttp.Utf8Bytes("X-Note: Grüße aus Köln ☕"),
        ]));

        Assert.True(reply.Status == 200, $"expected 200, got {reply.Status}: {reply.Body}");
        Assert.Equal("v2", reply.Header("X-Canary-Version"));
        var echo = EchoReply.Parse(reply.Body);
        Assert.Equal("theme=café; uid2=ünï", echo.Header("Cookie"));
        Assert.Equal("Grüße aus Köln ☕", echo.Header("X-Note"));
    }

    [Fact]
    public async Task NonAsciiUserKey_SameBucketAsItsUtf8Bytes()
    {
        // The bucket is over the key's UTF-8 bytes (README): a user whose id is "josé" lands where the formula says.
        const string user = "josé";

        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("GET", "/app/x", [RawHttp.Utf8Bytes($"X-User-Id: {user}")]));

        Assert.Equal(200, reply.Status);
        Assert.Equal(Cohorts.Expected(user, HostileRig.Weight), reply.Header("X-Canary-Version"));
    }

    [Fact]
    public async Task BackendsNonAsciiResponseHeader_ReachesTheUserByteForByte()
    {
        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("GET", "/app/x", []));

        Assert.True(reply.Status == 200, $"expected 200, got {reply.Status}: {reply.Body}");
        var raw = reply.Header(EchoBackend.NonAsciiHeader);
        Assert.NotNull(raw);
        Assert.Equal(EchoBackend.NonAsciiValue, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(raw)));
    }

    [Fact]
    public async Task HeadersNamedInConnection_NotForwardedEitherWay()
    {
        // Not with "close": Kestrel keeps only "close" of a Connection field that has it (README).
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_rig.Public, "/app/x?hop"));
        request.Headers.Connection.Add("X-Secret");
        request.Headers.Connection.Add("X-Also");
        request.Headers.Add("X-Secret", "s");
        request.Headers.Add("X-Also", "a");
        request.Headers.Add("X-Kept", "k");

        using var response = await _rig.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var echo = EchoReply.Parse(await response.Content.ReadAsStringAsync());
        Assert.Null(echo.Header("X-Secret"));
        Assert.Null(echo.Header("X-Also"));
        Assert.Equal("k", echo.Header("X-Kept"));

        // The backend named X-Hop in its own Connection header.
        Assert.False(response.Headers.Contains("X-Hop"));
        Assert.True(response.Headers.Contains("X-Canary-Version"));
    }

    [Fact]
    public async Task Trace_405AndNeverForwarded()
    {
        var before = _rig.V1.Requests + _rig.V2.Requests;

        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("TRACE", "/app/x", [RawHttp.Utf8Bytes("Cookie: session=secret")]));

        Assert.Equal(405, reply.Status);
        Assert.Equal("nosniff", reply.Header("X-Content-Type-Options"));
        Assert.DoesNotContain("secret", reply.Body, StringComparison.Ordinal);
        Assert.Equal(before, _rig.V1.Requests + _rig.V2.Requests);
    }

    [Theory]
    [InlineData("/nowhere", 404)]
    [InlineData("/down/x", 502)]
    public async Task RoutersOwnError_Nosniff(string path, int status)
    {
        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("GET", path, []));

        Assert.Equal(status, reply.Status);
        Assert.Equal("nosniff", reply.Header("X-Content-Type-Options"));
    }

    [Fact]
    public async Task BackendsAnswer_NoNosniffAdded()
    {
        // Only the router's own answers: a backend decides its own headers.
        var reply = await RawHttp.SendAsync(_rig.Public, RawHttp.Request("GET", "/app/x", []));

        Assert.Equal(200, reply.Status);
        Assert.Null(reply.Header("X-Content-Type-Options"));
    }
}

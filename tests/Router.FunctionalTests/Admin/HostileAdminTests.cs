using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Canary.Router.FunctionalTests.Fuzz;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>
/// Admin input a well-behaved client never sends: every refusal is problem details with the right status (Kestrel's
/// own limits included), and nothing changes.
/// </summary>
public sealed partial class HostileAdminTests(AdminRigFixture fixture) : IClassFixture<AdminRigFixture>
{
    private const string Auth = "Authorization: Bearer " + AdminRig.Key;

    private readonly AdminRig _rig = fixture.Rig;

    public static TheoryData<string> BodilessActions() => ["promote", "rollback", "pause", "resume", "switch"];

    [Fact]
    public async Task PutWeight_InvalidUtf8InAKey_400AndNothingChanged()
    {
        var before = await _rig.SnapshotAsync();
        byte[] body = [.. "{\"w"u8, 0xff, 0xfe, .. "\": 10}"u8];

        var reply = await SendRawAsync("PUT", "/weight", ["Content-Type: application/json", $"Content-Length: {body.Length}"], body);

        AssertProblem(reply, 400);
        Assert.Contains("UTF-8", reply.Body, StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFFFFFF")] // overflows a 64-bit size
    [InlineData("zz")]
    [InlineData("-1")]
    public async Task PutWeight_MalformedChunkSize_400ProblemAndNothingChanged(string size)
    {
        var before = await _rig.SnapshotAsync();

        var reply = await SendRawAsync("PUT", "/weight", ["Content-Type: application/json", "Transfer-Encoding: chunked"],
            Encoding.ASCII.GetBytes($"{size}\r\n{{\"weight\": 50}}\r\n0\r\n\r\n"));

        AssertProblem(reply, 400);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("PUT", "/weight")]
    [InlineData("POST", "/drain")]
    public async Task Write_OneChunkOverKestrelsLimit_413ProblemAndNothingChanged(string method, string action)
    {
        var before = await _rig.SnapshotAsync();
        var chunk = new string(' ', 100_000);

        var reply = await SendRawAsync(method, action, ["Content-Type: application/json", "Transfer-Encoding: chunked"],
            Encoding.ASCII.GetBytes($"{chunk.Length + 1:x}\r\n{{{chunk}\r\n0\r\n\r\n"));

        AssertProblem(reply, 413);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("{\"weight\": 10, \"Weight\": 90}", "Weight")]
    [InlineData("{\"weight\": 10, \"weight\": 90}", "weight")]
    [InlineData("{\"WEIGHT\": 90, \"weight\": 10}", "weight")]
    public async Task PutWeight_DuplicateKeyIgnoringCase_400NamingItAndNothingChanged(string body, string field)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/weight", AdminRig.Json(body));

        var problem = await Problems.AssertInvalidAsync(response, field);
        Assert.Contains("more than once", problem.ToJsonString(), StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task Drain_DuplicateKey_400NamingIt()
    {
        var before = await _rig.SnapshotAsync();
        var address = AdminRig.Url(_rig.Backend("api", "v1"));

        using var response = await _rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/drain",
            AdminRig.Json($"{{\"route\": \"api\", \"destination\": \"{address}\", \"Route\": \"web\"}}"));

        await Problems.AssertInvalidAsync(response, "Route");
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodilessActions))]
    public async Task BodilessWrite_WithAJsonBody_415AndNothingChanged(string action)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.SendAdminAsync(HttpMethod.Post, $"{AdminRig.ReleasePath}/{action}", AdminRig.Json("{\"weight\": 100}"));

        var problem = await Problems.AssertAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("no body", (string?)problem["detail"], StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodilessActions))]
    public async Task BodilessWrite_WithAnyOtherBody_415AndNothingChanged(string action)
    {
        var before = await _rig.SnapshotAsync();

        var chunked = await SendRawAsync("POST", "/" + action, ["Content-Type: text/plain", "Transfer-Encoding: chunked"], "3\r\nabc\r\n0\r\n\r\n"u8.ToArray());
        var sized = await SendRawAsync("POST", "/" + action, ["Content-Length: 3"], "abc"u8.ToArray());

        AssertProblem(chunked, 415);
        AssertProblem(sized, 415);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodilessActions))]
    public async Task BodilessWrite_EmptyBodyWithJsonContentType_NotRefusedForIt(string action)
    {
        // As the CLI sends them: an empty application/json body. The stale If-Match shows the body check passed.
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.SendAdminAsync(HttpMethod.Post, $"{AdminRig.ReleasePath}/{action}", AdminRig.Json(""), ifMatch: "\"999\"");

        await Problems.AssertAsync(response, HttpStatusCode.PreconditionFailed);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("W/\"1\", W/\"2\"")]
    [InlineData("\"0\", W/\"1\"")]
    [InlineData("*, \"1\"")]
    public async Task Write_WeakOrMalformedIfMatchOfTheCurrentRevision_412AndNothingChanged(string ifMatch)
    {
        var before = await _rig.SnapshotAsync();
        Assert.Equal(1, before.Revision);

        using var response = await _rig.PutWeightAsync(50, ifMatch);

        await Problems.AssertAsync(response, HttpStatusCode.PreconditionFailed);
        await _rig.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task OpenApi_WithoutTheKey_401Problem()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, "/admin/openapi.json", key: null);

        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task OpenApi_WithTheKey_TheDocument()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, "/admin/openapi.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(document["paths"]!["/admin/releases/{name}/weight"]);
    }

    [Fact]
    public async Task HeadersOverTheAdminLimit_431Problem()
    {
        var reply = await SendRawAsync("GET", "", [$"X-Padding: {new string('a', 40 * 1024)}"], null);

        AssertProblem(reply, 431);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/admin/releases")]
    [InlineData("GET", "/admin/releases/nope")]
    [InlineData("GET", "/admin/nothing-here")]
    [InlineData("DELETE", "/admin/releases/shop")]
    [InlineData("PUT", "/admin/releases/shop/weight")]
    public async Task EveryAdminAnswer_Nosniff(string method, string path)
    {
        using var withKey = await _rig.SendAdminAsync(new HttpMethod(method), path);
        using var withoutKey = await _rig.SendAdminAsync(new HttpMethod(method), path, key: null);

        Assert.Equal(["nosniff"], withKey.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["nosniff"], withoutKey.Headers.GetValues("X-Content-Type-Options"));
    }

    [Theory]
    [InlineData("/admin/nothing-here", 404)]
    [InlineData("/admin/releases/shop/weight", 405)]
    public async Task RoutingRefusal_Problem(string path, int status)
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, path);

        await Problems.AssertAsync(response, (HttpStatusCode)status);
    }

    [Fact]
    public async Task Dashboard_CspAllowsItsOwnScriptByHashAndNoOtherInlineScript()
    {
        using var response = await _rig.Client.GetAsync(new Uri(_rig.Host.AdminAddress, "/"));
        var page = await response.Content.ReadAsStringAsync();

        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var scriptSrc = policy.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe-inline", scriptSrc, StringComparison.Ordinal);
        var scripts = InlineScript().Matches(page);
        Assert.NotEmpty(scripts);
        foreach (Match script in scripts)
        {
            var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script.Groups[1].Value)));
            Assert.Contains($"'sha256-{hash}'", scriptSrc, StringComparison.Ordinal);
        }
    }

    private static void AssertProblem(RawReply reply, int status)
    {
        Assert.True(reply.Status == status, $"expected {status}, got {reply.Status}: {reply.Body}");
        Assert.StartsWith(Problems.MediaType, reply.Header("Content-Type") ?? "", StringComparison.Ordinal);
        Assert.Equal(status, (int)JsonNode.Parse(reply.Body)!["status"]!);
    }

    private Task<RawReply> SendRawAsync(string method, string action, string[] headers, byte[]? body) =>
        RawHttp.SendAsync(_rig.Host.AdminAddress, RawHttp.Request(method, AdminRig.ReleasePath + action, [Auth, .. headers], body));

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();
}

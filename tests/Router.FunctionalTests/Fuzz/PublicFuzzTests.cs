using Canary.Router.FunctionalTests.Admin;
using CsCheck;

namespace Canary.Router.FunctionalTests.Fuzz;

/// <summary>
/// Property-based fuzzing of what end users send on PublicUrls (any header names and values, cookies, user keys,
/// methods, bodies) against healthy backends: never a 5xx, nothing counted as the versions' errors, the release never
/// moves, the router alive after each request. Seeded and bounded.
/// </summary>
public sealed class PublicFuzzTests
{
    private const int Count = 300;

    private static readonly Gen<string> HeaderName = Gen.OneOf(
        Gen.OneOf("X-User-Id", "X-Beta", "Cookie", "Connection", "Accept", "X-Forwarded-For", "Forwarded", "Te", "Expect", "Upgrade", "Authorization", "Range", "If-None-Match"),
        Gen.String[Gen.Char.AlphaNumeric, 1, 10].Select(s => "X-" + s));

    private static readonly Gen<string> CookieValue = Gen.Select(Gen.OneOf("canary_uid", "uid", "theme", "canary_tester"), Samples.HeaderValue)
        .Array[1, 3].Select(cs => string.Join("; ", cs.Select(c => $"{c.Item1}={c.Item2}")));

    private static readonly Gen<(string Name, string Value)[]> Headers = Gen.OneOf(
        Gen.Select(HeaderName, Samples.HeaderValue),
        Gen.Select(Gen.Const("Cookie"), CookieValue)).Array[0, 5];

    private static readonly Gen<string> Method = Gen.OneOf("GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "BREW");

    private static readonly Gen<string> Path = Gen.OneOf(
        Gen.OneOf("/api/version", "/", "/index.html", "/api/%2e%2e/x", "/api/caf%C3%A9", "/api/%FF", "/api/x?preview=on", "/canary/x", "//api//x", "/api/x?a=%00"),
        Gen.String[Gen.Char.AlphaNumeric, 0, 20].Select(s => "/api/" + s));

    private static readonly Gen<byte[]> Body = Gen.OneOf(Gen.Const(Array.Empty<byte>()), Gen.Byte.Array[1, 200]);

    private static readonly Gen<(string Method, string Path, (string Name, string Value)[] Headers, byte[] Body)> Request =
        Gen.Select(Method, Path, Headers, Body);

    [Fact]
    public async Task EndUserRequests_NeverA5xx_NothingCountedAgainstAVersion_ReleaseUnmoved()
    {
        await using var rig = await AdminRig.StartAsync(50);
        var before = await rig.SnapshotAsync();
        foreach (var (index, (method, path, headers, body)) in Samples.Of(Request, seed: 1201, Count))
        {
            var lines = headers.Select(h => RawHttp.Utf8Bytes($"{h.Name}: {h.Value}")).Append($"Content-Length: {body.Length}");
            var reply = await RawHttp.SendAsync(rig.Host.PublicAddress, RawHttp.Request(method, path, lines, body));

            var described = $"sample {index}: {method} {path} [{string.Join("; ", headers.Select(h => $"{h.Name}: {h.Value}"))}] body {body.Length} B";
            Assert.True(reply.Status is >= 100 and < 500, $"{described} got {reply.Status}: {reply.Body}");
            using var health = await rig.Client.GetAsync(new Uri(rig.Host.AdminAddress, "/healthz"));
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        }

        await Task.Delay(300); // the guard's loop, had it been shown anything
        await rig.AssertUnchangedAsync(before);
        foreach (var code in new[] { "error", "5xx" })
        {
            Assert.Equal(0, await Sum(rig, code));
        }
    }

    private static async Task<double> Sum(AdminRig rig, string code)
    {
        var text = await rig.Client.GetStringAsync(new Uri(rig.Host.AdminAddress, "/metrics"));
        return text.Split('\n')
            .Where(l => l.StartsWith("canary_requests_total{", StringComparison.Ordinal) && l.Contains($"code=\"{code}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}

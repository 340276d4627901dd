using System.Text;
using Canary.Router.FunctionalTests.Admin;
using CsCheck;

namespace Canary.Router.FunctionalTests.Fuzz;

/// <summary>
/// Property-based fuzzing of the admin API with raw requests (any bytes in bodies and headers, any framing): never a
/// 5xx, never a change from a refused request, the router alive after each one. Seeded and bounded.
/// </summary>
public sealed class AdminFuzzTests
{
    private const int Count = 300;

    private static readonly string[] Paths =
    [
        "/weight", "/promote", "/rollback", "/pause", "/resume", "/switch", "/drain", "/undrain", "", "/events", "/figures?seconds=3",
        "/figures?seconds=-1", "/figures?seconds=x", "/nope",
    ];

    private static readonly Gen<string> Field = Gen.OneOf(
        Gen.OneOf("weight", "Weight", "WEIGHT", "route", "Route", "destination", "reason", ""),
        Samples.AnyText);

    private static readonly Gen<string> Value = Gen.OneOf(
        Gen.Double[-1000, 1000].Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[-2, 102].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.OneOf("0", "100", "25.5", "1e400", "-0", "true", "false", "null", "[]", "{}", "[25]", "{\"weight\": 5}", "\"api\""),
        Samples.AnyText.Select(t => System.Text.Json.JsonSerializer.Serialize(t)));

    private static readonly Gen<byte[]> JsonObject = Gen.Select(Field, Value).Array[0, 4]
        .Select(fields => Encoding.UTF8.GetBytes("{" + string.Join(",", fields.Select(f => $"{System.Text.Json.JsonSerializer.Serialize(f.Item1)}: {f.Item2}")) + "}"));

    private static readonly Gen<byte[]> Body = Gen.OneOf(
        JsonObject,
        JsonObject.Select(b => b.Length > 2 ? b[..^1] : b), // cut short
        Gen.Byte.Array[0, 64],
        Gen.Const(Array.Empty<byte>()),
        Gen.Const("{\"w\xff\": 1}"u8.ToArray()).Select(b => { b[3] = 0xff; return b; }));

    private static readonly Gen<string?> ContentType = Gen.OneOf<string?>(
        "application/json", "application/json; charset=utf-8", "text/plain", null, "application/problem+json", "application/json; charset=latin1", "*/*");

    private static readonly Gen<string?> IfMatch = Gen.OneOf(
        Gen.OneOf<string?>(null, "*", "\"1\"", "W/\"1\"", "\"1\", \"2\"", "\"999\"", "", "W/", "\"", "*, \"1\""),
        Samples.HeaderValue.Select(v => (string?)v));

    private static readonly Gen<string?> Authorization = Gen.Frequency(
        (8, Gen.Const<string?>((string?)("Bearer " + AdminRig.Key))),
        (1, Gen.Const<string?>((string?)null)),
        (1, Samples.HeaderValue.Select(v => (string?)("Bearer " + v))));

    private static readonly Gen<string> Framing = Gen.OneOf("length", "chunked", "bad-chunk", "short-length");

    private static readonly Gen<string> Method = Gen.OneOf("PUT", "POST", "GET", "DELETE", "PATCH", "OPTIONS", "HEAD");

    private static readonly Gen<string> Release = Gen.Frequency((8, Gen.Const(AdminRig.Release)), (1, Gen.OneOf("nope", ".", "..", "%2e", "SHOP", "sh%00op", "caf%C3%A9")));

    private static readonly Gen<(string Header, string Value)[]> ExtraHeaders = Gen.Select(
        Gen.OneOf("X-Any", "Accept", "Connection", "Cookie", "Expect", "X-Forwarded-For", "Content-Encoding"), Samples.HeaderValue).Array[0, 3];

    private static readonly Gen<FuzzRequest> Request =
        Gen.Select(Method, Release, Gen.OneOf(Paths), Body, ContentType, IfMatch, Authorization, Framing)
            .Select(ExtraHeaders, (r, extra) => new FuzzRequest(r.Item1, r.Item2, r.Item3, r.Item4, r.Item5, r.Item6, r.Item7, r.Item8, extra));

    [Fact]
    public async Task AdminRequests_NeverA5xx_RefusedOnesChangeNothing_RouterAlive()
    {
        await using var rig = await AdminRig.StartAsync(10);
        var snapshot = await rig.SnapshotAsync();
        var statuses = new Dictionary<int, int>();
        foreach (var (index, request) in Samples.Of(Request, seed: 20261201, Count))
        {
            var reply = await RawHttp.SendAsync(rig.Host.AdminAddress, request.Bytes(), halfClose: request.Framing == "short-length");
            statuses[reply.Status] = statuses.GetValueOrDefault(reply.Status) + 1;
            // A client that hung up short of its Content-Length has nobody left to answer; any other gets an answer below 500.
            var hungUp = request.Framing == "short-length" && reply.Status == 0;
            Assert.True(hungUp || reply.Status is >= 200 and < 500, $"sample {index}: {request} got {reply.Status}: {reply.Body}");

            var after = await rig.SnapshotAsync();
            if (reply.Status is < 200 or >= 300 || request.Method is "GET" or "HEAD" or "OPTIONS")
            {
                Assert.True(snapshot == after, $"sample {index}: {request} was refused with {reply.Status} but changed {snapshot} to {after}");
            }

            snapshot = after;
            using var health = await rig.Client.GetAsync(new Uri(rig.Host.AdminAddress, "/healthz"));
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        }

        // The samples reach beyond the first refusal: accepted writes and each kind of refusal.
        Assert.Contains(200, statuses.Keys);
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 5, "refusals seen: " + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
    }

    internal sealed record FuzzRequest(
        string Method, string Release, string Path, byte[] Body, string? ContentType, string? IfMatch, string? Authorization, string Framing,
        (string Header, string Value)[] Extra)
    {
        public byte[] Bytes()
        {
            var headers = new List<string>();
            if (Authorization is not null)
            {
                headers.Add("Authorization: " + Authorization);
            }

            if (ContentType is not null)
            {
                headers.Add("Content-Type: " + ContentType);
            }

            if (IfMatch is not null)
            {
                headers.Add("If-Match: " + IfMatch);
            }

            // Header text goes on the wire as its UTF-8 bytes: Kestrel takes valid UTF-8 and refuses the rest.
            headers.AddRange(Extra.Select(h => RawHttp.Utf8Bytes($"{h.Header}: {h.Value}")));
            byte[] body;
            switch (Framing)
            {
                case "chunked":
                    headers.Add("Transfer-Encoding: chunked");
                    body = [.. Encoding.ASCII.GetBytes($"{Body.Length:x}\r\n"), .. Body, .. "\r\n0\r\n\r\n"u8];
                    break;
                case "bad-chunk":
                    headers.Add("Transfer-Encoding: chunked");
                    body = [.. "FFFFFFFFFFFFFFFFFFFF\r\n"u8, .. Body];
                    break;
                case "short-length":
                    headers.Add($"Content-Length: {Body.Length + 10}");
                    body = Body;
                    break;
                default:
                    headers.Add($"Content-Length: {Body.Length}");
                    body = Body;
                    break;
            }

            return RawHttp.Request(Method, $"/admin/releases/{Release}{Path}", headers, body);
        }

        public override string ToString() =>
            $"{Method} /admin/releases/{Release}{Path} [{Framing}] Content-Type={ContentType ?? "-"} If-Match={IfMatch ?? "-"} "
            + $"Authorization={(Authorization is null ? "-" : "…")} extra=[{string.Join("; ", Extra.Select(h => $"{h.Header}: {h.Value}"))}] "
            + $"body={Convert.ToHexString(Body)}";
    }
}

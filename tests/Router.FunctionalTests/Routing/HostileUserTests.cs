using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Canary.Router.FunctionalTests.Fuzz;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// An end user who chose the canary (their own user key, or the beta segment) and sends everything a browser or a
/// script can: non-ASCII headers and cookies, uploads cut off after a slow start, malformed chunked bodies. None of it
/// is the canary's fault, so none of it may move the release.
/// </summary>
public sealed class HostileUserTests
{
    private static readonly TimeSpan AttackFor = TimeSpan.FromMinutes(1); // The floor: a minute of it moves nothing.

    // Longer than the guard's MaxP99Ms: were these requests counted, their latency alone would roll the canary back.
    private static readonly TimeSpan SlowStart = TimeSpan.FromMilliseconds(HostileRig.MaxP99Ms * 3 / 2);

    [Fact]
    public async Task EndUserOnTheCanary_NonAsciiHeadersAbortedUploadsMalformedChunks_MoveNothing()
    {
        await using var rig = await HostileRig.StartAsync();
        var before = await rig.ReleaseAsync();
        var canaryUser = Cohorts.FirstUserOn("v2", HostileRig.Weight);
        var answered = 0;
        var elsewhere = 0;
        var clock = Stopwatch.StartNew();

        async Task Loop(Func<int, Task> attack)
        {
            for (var i = 0; clock.Elapsed < AttackFor; i++)
            {
                await attack(i);
            }
        }

        await Task.WhenAll(
            Loop(async i =>
            {
                var reply = await RawHttp.SendAsync(rig.Public, RawHttp.Request("GET", "/app/page", [
                    i % 2 == 0 ? $"X-User-Id: {canaryUser}" : "X-Beta: true",
                    RawHttp.Utf8Bytes($"Cookie: theme=café; n={i}; name=Jürgen"),
                    RawHttp.Utf8Bytes("X-Greeting: こんにちは"),
                ]));
                Assert.True(reply.Status == 200, $"a non-ASCII header got {reply.Status}: {reply.Body}");
                if (reply.Header("X-Canary-Version") == "v2")
                {
                    Interlocked.Increment(ref answered);
                }
                else
                {
                    Interlocked.Increment(ref elsewhere);
                }
            }),
            Loop(_ => AbortedUploadAsync(rig, canaryUser)),
            Loop(_ => AbortedUploadAsync(rig, canaryUser)),
            Loop(_ => MalformedChunkAsync(rig, canaryUser, "zz")),
            Loop(_ => MalformedChunkAsync(rig, canaryUser, "FFFFFFFFFFFFFFFFFFFFFF")));

        // Give the guard's 100 ms loop a few turns to act on anything it was shown.
        await Task.Delay(500);

        var after = await rig.ReleaseAsync();
        var events = await rig.EventsAsync();
        Assert.True(elsewhere == 0, $"{elsewhere} requests of the canary's user were served elsewhere; events: {events}");
        Assert.Equal((double)before["weight"]!, (double)after["weight"]!);
        Assert.Equal((string)before["phase"]!, (string)after["phase"]!);
        Assert.Equal((long)before["revision"]!, (long)after["revision"]!);
        foreach (var version in new[] { "v1", "v2" })
        {
            Assert.Equal(0, await rig.RequestsAsync(version, "error"));
            Assert.Equal(0, await rig.RequestsAsync(version, "5xx"));
        }

        Assert.True(answered > 0 && await rig.RequestsAsync("v2", "2xx") >= answered, $"the canary answered {answered} requests");

        // The cut-off uploads and broken bodies are not the canary's: not even counted, so their latency is no sample.
        Assert.Equal(0, await rig.RequestsAsync("v2", "4xx"));
        Assert.Equal(0, (long)after["guard"]!["canary"]!["slow"]!);
    }

    /// <summary>Announces a 100 kB upload, sends 1 kB, waits, then resets the connection.</summary>
    private static async Task AbortedUploadAsync(HostileRig rig, string user)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(rig.Public.Host, rig.Public.Port);
        var head = RawHttp.Request("POST", "/app/upload", [$"X-User-Id: {user}", "Content-Type: application/octet-stream", "Content-Length: 100000"]);
        await client.GetStream().WriteAsync(head.Concat(new byte[1000]).ToArray());
        await Task.Delay(SlowStart);
        client.LingerState = new LingerOption(true, 0);
        client.Close();
    }

    /// <summary>A chunked upload that starts well, waits, then sends a chunk size that is not one.</summary>
    private static async Task MalformedChunkAsync(HostileRig rig, string user, string badSize)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(rig.Public.Host, rig.Public.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(RawHttp.Request("POST", "/app/upload", [$"X-User-Id: {user}", "Content-Type: text/plain", "Transfer-Encoding: chunked"], Encoding.ASCII.GetBytes("5\r\nhello\r\n")));
        await Task.Delay(SlowStart);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(badSize + "\r\nxxxxxxxx\r\n0\r\n\r\n"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cancel.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the router: as good an answer as any to a broken body.
        }
    }
}

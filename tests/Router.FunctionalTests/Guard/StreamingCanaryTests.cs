using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>
/// A healthy canary whose responses are long streams: server-sent events and WebSockets that stay open far longer
/// than MaxP99Ms. Latency is the time to the response headers and streams are not latency samples, so the guard
/// must not roll it back. Real Kestrel backends, the real router.
/// </summary>
public sealed class StreamingCanaryTests
{
    private const double Weight = 50;
    private static readonly TimeSpan StreamFor = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Guard_CanaryServingLongSseStreamsAndWebSockets_NotRolledBack()
    {
        await using var v1 = await StartStreamingBackendAsync("v1");
        await using var v2 = await StartStreamingBackendAsync("v2");
        await using var router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = Weight,
            ["UserKey"] = new JsonArray("header:X-User-Id"),
            ["Guard"] = new JsonObject { ["WindowSeconds"] = 30, ["MinRequests"] = 5, ["MaxP99Ms"] = 500 },
            ["Routes"] = new JsonObject { ["api"] = LiveRouter.Route("/api/{**rest}", ("v1", [v1.Destination]), ("v2", [v2.Destination])) },
        });

        var canaryUsers = Users.Pick("streams", 20, Weight, onCanary: true);
        var stableUsers = Users.Pick("streams", 20, Weight, onCanary: false);
        var streams = canaryUsers.Concat(stableUsers).Select(user => ReadEventsAsync(router, user))
            .Concat(canaryUsers.Take(10).Concat(stableUsers.Take(10)).Select(user => HoldWebSocketAsync(router, user)));
        var held = await Task.WhenAll(streams);
        Assert.All(held, elapsed => Assert.True(elapsed >= StreamFor - TimeSpan.FromMilliseconds(100), $"a stream lasted only {elapsed}"));

        // Ordinary requests too, so the guard has latency samples and a verdict to show.
        foreach (var user in canaryUsers.Concat(stableUsers))
        {
            Assert.Equal(HttpStatusCode.OK, (await router.GetAsync("/api/version", user)).Status);
        }

        var state = await Poll.UntilAsync(router.StateAsync, s => s["guard"]?["canary"]?["latencySamples"]?.GetValue<long>() >= 20,
            TimeSpan.FromSeconds(10), "the plain requests judged", s => s.Show());
        Assert.Equal("Progressing", state.Phase());
        Assert.Equal(Weight, state.Weight());
        Assert.Equal(50, state["guard"]!["canary"]!["requests"]!.GetValue<long>()); // 20 event streams, 10 WebSockets, 20 plain requests.
        Assert.Equal(20, state["guard"]!["canary"]!["latencySamples"]!.GetValue<long>());
        Assert.Equal(0, state["guard"]!["canary"]!["slow"]!.GetValue<long>());
        Assert.DoesNotContain((await router.EventsAsync()).Objects(), e => e.Text("actor") == "guard");
    }

    private static async Task<TimeSpan> ReadEventsAsync(LiveRouter router, string user)
    {
        var started = DateTime.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.Host.PublicAddress, "/api/events"));
        request.Headers.Add("X-User-Id", user);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await router.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("data: tick", body, StringComparison.Ordinal);
        return DateTime.UtcNow - started;
    }

    private static async Task<TimeSpan> HoldWebSocketAsync(LiveRouter router, string user)
    {
        var started = DateTime.UtcNow;
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-User-Id", user);
        var address = new UriBuilder(router.Host.PublicAddress) { Scheme = "ws", Path = "/api/socket" }.Uri;
        await socket.ConnectAsync(address, CancellationToken.None);
        var buffer = new byte[64];
        while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
        {
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        return DateTime.UtcNow - started;
    }

    /// <summary>A Kestrel backend: /api/version answers at once, /api/events streams SSE and /api/socket holds a WebSocket, each for <see cref="StreamFor"/>.</summary>
    private static Task<KestrelApp> StartStreamingBackendAsync(string version) => KestrelApp.StartAsync(app =>
    {
        app.UseWebSockets();
        app.MapGet("/api/version", () => Results.Json(new { version }));
        app.MapGet("/api/events", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            var until = DateTime.UtcNow + StreamFor;
            while (DateTime.UtcNow < until)
            {
                await context.Response.WriteAsync("data: tick\n\n");
                await context.Response.Body.FlushAsync();
                await Task.Delay(200);
            }
        });
        app.Map("/api/socket", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            for (var i = 0; i < 10; i++)
            {
                await socket.SendAsync("tick"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                await Task.Delay(StreamFor / 10);
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        });
    });
}

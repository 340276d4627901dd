using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// A real Kestrel backend that answers with the request's headers as JSON (<c>{"version": ..., "headers": {...}}</c>),
/// reads a request body to its end before answering (as an upload endpoint does), and sends
/// <see cref="NonAsciiHeader"/> with raw UTF-8 bytes, plus, for <c>?hop</c>, <c>Connection: X-Hop</c> and an <c>X-Hop</c> header that a
/// proxy must not pass on. <c>?delay-ms=N</c> makes it wait that long before answering.
/// </summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    public const string NonAsciiHeader = "X-Label";
    public const string NonAsciiValue = "café ☕ Grüße";

    private KestrelApp _app = null!;
    private int _requests;

    private EchoBackend(string version) => Version = version;

    public string Version { get; }

    public string Url => _app.Destination;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<EchoBackend> StartAsync(string version)
    {
        var backend = new EchoBackend(version);

        // Lets the backend write the bytes of a UTF-8 header value, as many real backends do.
        backend._app = await KestrelApp.StartAsync(app => app.Run(backend.HandleAsync), builder => builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ResponseHeaderEncodingSelector = _ => Encoding.UTF8;
            kestrel.Limits.MaxRequestBodySize = null; // Uploads of any size: limits are the router's to enforce.
        }));
        return backend;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (int.TryParse(context.Request.Query["delay-ms"], out var delay))
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        long bodyBytes = 0;
        var buffer = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            bodyBytes += read;
        }

        context.Response.Headers[NonAsciiHeader] = NonAsciiValue;
        // Only when asked: Kestrel closes the connection after a response whose Connection header names a field (it
        // sends no "close", and it drops such names from "keep-alive, ..."), so a POST the proxy sends on that pooled
        // connection meanwhile fails with 502, as it would behind any proxy.
        if (context.Request.Query.ContainsKey("hop"))
        {
            context.Response.Headers.Connection = "X-Hop";
            context.Response.Headers["X-Hop"] = "backend";
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        await context.Response.WriteAsJsonAsync(new EchoReply(Version, headers, bodyBytes, context.Request.Path.Value ?? ""));
    }
}

internal sealed record EchoReply(string Version, Dictionary<string, string> Headers, long BodyBytes, string Path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EchoReply Parse(string json) => JsonSerializer.Deserialize<EchoReply>(json, Json)!;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

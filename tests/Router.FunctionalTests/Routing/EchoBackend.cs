using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// A real Kestrel backend that answers with the request's headers as JSON (<c>{"version": ..., "headers": {...}}</c>),
/// reads a request body to its end before answering (as an upload endpoint does), and sends
/// <see cref="NonAsciiHeader"/> with raw UTF-8 bytes, plus <c>Connection: X-Hop</c> and an <c>X-Hop</c> header that a
/// proxy must not pass on. <c>?delay-ms=N</c> makes it wait that long before answering.
/// </summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    public const string NonAsciiHeader = "X-Label";
    public const string NonAsciiValue = "café ☕ Grüße";

    private readonly WebApplication _app;
    private int _requests;

    private EchoBackend(WebApplication app, string version)
    {
        _app = app;
        Version = version;
    }

    public string Version { get; }

    public string Url => _app.Urls.First().TrimEnd('/');

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<EchoBackend> StartAsync(string version)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // Lets the backend write the bytes of a UTF-8 header value, as many real backends do.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ResponseHeaderEncodingSelector = _ => Encoding.UTF8;
            kestrel.Limits.MaxRequestBodySize = null; // Uploads of any size: limits are the router's to enforce.
        });
        var app = builder.Build();
        var backend = new EchoBackend(app, version);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

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
        context.Response.Headers.Connection = "X-Hop";
        context.Response.Headers["X-Hop"] = "backend";
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

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canary.Router.FunctionalTests.Notifications;

/// <summary>One POST a webhook receiver got: which path, its content type and body, and the status it answered.</summary>
internal sealed record WebhookCall(string Path, string? ContentType, string Body, int Status);

/// <summary>
/// A real Kestrel webhook receiver on 127.0.0.1: records every POST; the first <c>failFirst</c> calls to a path answer
/// 503, and while <see cref="Hold"/> is set calls wait for it to be released.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<WebhookCall> _calls = [];
    private readonly Dictionary<string, int> _failuresLeft;

    private WebhookReceiver(WebApplication app, Dictionary<string, int> failFirst)
    {
        _app = app;
        _failuresLeft = failFirst;
    }

    public Uri Address => new(_app.Urls.First());

    /// <summary>While set and not completed, every call waits for it (a target that does not answer).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public IReadOnlyList<WebhookCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The calls to <paramref name="path"/> it answered with 2xx, in the order they arrived.</summary>
    public IReadOnlyList<WebhookCall> Accepted(string path) => [.. Calls.Where(c => c.Path == path && c.Status < 300)];

    public static async Task<WebhookReceiver> StartAsync(params (string Path, int FailFirst)[] failFirst)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst.ToDictionary(f => f.Path, f => f.FailFirst, StringComparer.Ordinal));
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Hold is { } hold)
        {
            await hold.Task;
        }

        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value!;
        int status;
        lock (_gate)
        {
            var left = _failuresLeft.GetValueOrDefault(path);
            status = left > 0 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            _failuresLeft[path] = Math.Max(0, left - 1);
            _calls.Add(new WebhookCall(path, context.Request.ContentType, body, status));
        }

        context.Response.StatusCode = status;
    }
}

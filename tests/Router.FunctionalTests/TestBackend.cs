using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canary.Router.FunctionalTests;

/// <summary>What a test backend answers, as JSON: which version and route it is, and the path it was asked for.</summary>
internal sealed record BackendReply(string Version, string Route, string Path);

/// <summary>
/// A real Kestrel backend on 127.0.0.1 and a free port. It answers any path with a <see cref="BackendReply"/> and an
/// <c>X-Backend-Version</c> header, so a test can tell which version really served a request. <c>?status=NNN</c>
/// makes it answer with that status code, <c>?canary-header=VALUE</c> adds its own <c>X-Canary-Version</c> (as a backend
/// behind another router would).
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    public const string VersionHeader = "X-Backend-Version";

    private readonly WebApplication _app;
    private int _requests;
    private bool _stopped;

    private TestBackend(WebApplication app, string version, string route)
    {
        _app = app;
        Version = version;
        Route = route;
    }

    public string Version { get; }

    public string Route { get; }

    public Uri Address => new(_app.Urls.First());

    /// <summary>How many requests reached this backend.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TestBackend> StartAsync(string version, string route)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var backend = new TestBackend(app, version, route);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        context.Response.Headers[VersionHeader] = Version;
        if (int.TryParse(context.Request.Query["status"], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            context.Response.StatusCode = status;
        }

        if (context.Request.Query["canary-header"] is [{ } own])
        {
            context.Response.Headers["X-Canary-Version"] = own;
        }

        return context.Response.WriteAsJsonAsync(new BackendReply(Version, Route, context.Request.Path.Value ?? ""));
    }
}

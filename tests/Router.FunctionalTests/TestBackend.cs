using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

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

    private KestrelApp _app = null!;
    private int _requests;

    private TestBackend(string version, string route)
    {
        Version = version;
        Route = route;
    }

    public string Version { get; }

    public string Route { get; }

    public Uri Address => _app.Address;

    /// <summary>How many requests reached this backend.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TestBackend> StartAsync(string version, string route)
    {
        var backend = new TestBackend(version, route);
        backend._app = await KestrelApp.StartAsync(app => app.Run(backend.HandleAsync));
        return backend;
    }

    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

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

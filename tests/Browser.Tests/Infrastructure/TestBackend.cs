using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>A real Kestrel backend on 127.0.0.1 and a free port that answers any path with its version, as JSON.</summary>
internal static class TestBackend
{
    public static Task<KestrelApp> StartAsync(string version) => KestrelApp.StartAsync(app => app.Run(context =>
    {
        context.Response.Headers["X-Backend-Version"] = version;
        return context.Response.WriteAsJsonAsync(new { version, path = context.Request.Path.Value });
    }));
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>A real Kestrel backend on 127.0.0.1 and a free port that answers any path with its version, as JSON.</summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(WebApplication app) => _app = app;

    public string Destination => _app.Urls.First().TrimEnd('/');

    public static async Task<TestBackend> StartAsync(string version)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.Headers["X-Backend-Version"] = version;
            return context.Response.WriteAsJsonAsync(new { version, path = context.Request.Path.Value });
        });
        await app.StartAsync();
        return new TestBackend(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>
/// An in-process Kestrel backend on a free port whose <c>/healthz</c> answers with a status the test sets; anything
/// else gets 200 and an <c>X-Backend-Version</c> header. For a version that is up but says it is not healthy.
/// </summary>
internal sealed class HealthStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _healthStatus = StatusCodes.Status200OK;

    private HealthStub(WebApplication app, string version)
    {
        _app = app;
        Version = version;
    }

    public string Version { get; }

    public string Address => _app.Urls.First().TrimEnd('/');

    public int HealthStatus
    {
        get => Volatile.Read(ref _healthStatus);
        set => Volatile.Write(ref _healthStatus, value);
    }

    public static async Task<HealthStub> StartAsync(string version)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var stub = new HealthStub(app, version);
        app.Run(context =>
        {
            context.Response.Headers["X-Backend-Version"] = version;
            if (context.Request.Path == "/healthz")
            {
                context.Response.StatusCode = stub.HealthStatus;
                return context.Response.WriteAsync(stub.HealthStatus == StatusCodes.Status200OK ? "ok" : "unhealthy");
            }

            return context.Response.WriteAsJsonAsync(new { version, instance = "stub-" + version });
        });
        await app.StartAsync();
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

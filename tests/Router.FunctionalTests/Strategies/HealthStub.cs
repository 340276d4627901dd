using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Canary.Router.FunctionalTests.Strategies;

/// <summary>
/// An in-process Kestrel backend on a free port whose <c>/healthz</c> answers with a status the test sets; anything
/// else gets 200 and an <c>X-Backend-Version</c> header. For a version that is up but says it is not healthy.
/// </summary>
internal sealed class HealthStub : IAsyncDisposable
{
    private KestrelApp _app = null!;
    private int _healthStatus = StatusCodes.Status200OK;

    private HealthStub(string version) => Version = version;

    public string Version { get; }

    public string Destination => _app.Destination;

    public int HealthStatus
    {
        get => Volatile.Read(ref _healthStatus);
        set => Volatile.Write(ref _healthStatus, value);
    }

    public static async Task<HealthStub> StartAsync(string version)
    {
        var stub = new HealthStub(version);
        stub._app = await KestrelApp.StartAsync(app => app.Run(stub.AnswerAsync));
        return stub;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private Task AnswerAsync(HttpContext context)
    {
        context.Response.Headers["X-Backend-Version"] = Version;
        if (context.Request.Path == "/healthz")
        {
            context.Response.StatusCode = HealthStatus;
            return context.Response.WriteAsync(HealthStatus == StatusCodes.Status200OK ? "ok" : "unhealthy");
        }

        return context.Response.WriteAsJsonAsync(new { version = Version, instance = "stub-" + Version });
    }
}

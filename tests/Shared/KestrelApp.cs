using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Canary.Testing;

/// <summary>
/// A real Kestrel app in the test process on 127.0.0.1 and a free port, without logging: the one way the tests run
/// backends, webhook receivers and stubs. The caller maps what it answers.
/// </summary>
internal sealed class KestrelApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private KestrelApp(WebApplication app) => _app = app;

    public Uri Address => new(_app.Urls.First());

    /// <summary>The address without the trailing slash, as router.json lists destinations.</summary>
    public string Destination => Address.ToString().TrimEnd('/');

    public IServiceProvider Services => _app.Services;

    /// <param name="map">Maps the app's endpoints or middleware.</param>
    /// <param name="configure">Services and Kestrel options, before the app is built.</param>
    public static async Task<KestrelApp> StartAsync(Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new KestrelApp(app);
    }

    /// <summary>Stops listening (a version that went away); disposing later is still needed.</summary>
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
}

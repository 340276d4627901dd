using Canary.Router.Admin;
using Canary.Router.Configuration;

namespace Canary.Router.Hosting;

/// <summary>
/// The whole router: a public host for end users and an admin host for operators, started and stopped together.
/// Separate hosts, not one host with two ports, so admin endpoints cannot be reached on PublicUrls by construction.
/// </summary>
internal sealed class RouterHost : IAsyncDisposable
{
    private readonly WebApplication _public;
    private readonly WebApplication _admin;

    private RouterHost(RouterCore core, WebApplication publicApp, WebApplication adminApp)
    {
        Core = core;
        _public = publicApp;
        _admin = adminApp;
    }

    public RouterCore Core { get; }

    public Uri PublicAddress => new(_public.Urls.First());

    /// <summary>The public host's services (its server: Kestrel, or a test's in-memory one).</summary>
    public IServiceProvider PublicServices => _public.Services;

    /// <summary>The admin host's services.</summary>
    public IServiceProvider AdminServices => _admin.Services;

    public Uri AdminAddress => new(_admin.Urls.First());

    /// <summary>Loads and validates router.json, then starts both hosts; throws <see cref="ConfigException"/> on a bad file.</summary>
    public static async Task<RouterHost> StartAsync(string configPath, RouterHostOptions? hostOptions = null, CancellationToken cancellationToken = default)
    {
        hostOptions ??= new RouterHostOptions();
        var options = RouterConfigLoader.Load(configPath, out var digest);
        var adminKey = hostOptions.AdminKey ?? AdminKey.FromEnvironment(); // a bad keys file stops the start, as a bad router.json does
        var core = new RouterCore(options, configPath, hostOptions.Time, digest);
        WebApplication publicApp;
        try
        {
            publicApp = await PublicHost.BuildAsync(core, hostOptions);
        }
        catch
        {
            core.Dispose();
            throw;
        }

        var adminApp = AdminHost.Build(core, publicApp.Services, adminKey, hostOptions);
        foreach (var warning in core.StartupWarnings)
        {
            publicApp.Logger.LogWarning("{Warning}", warning);
        }

        var host = new RouterHost(core, publicApp, adminApp);
        try
        {
            await publicApp.StartAsync(cancellationToken);
            await adminApp.StartAsync(cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Completes when either host is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync()
    {
        var stopping = new TaskCompletionSource();
        _public.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        _admin.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task;
    }

    /// <summary>The background loops (reload watcher, guard, state writer) that ended on an exception, which stopped the host.</summary>
    public IReadOnlyList<Exception> Faults() =>
        [.. new[] { _public.Services, _admin.Services }
            .SelectMany(services => services.GetServices<IHostedService>())
            .OfType<BackgroundService>()
            .Select(service => service.ExecuteTask)
            .Where(task => task is { IsFaulted: true })
            .Select(task => task!.Exception!.GetBaseException())];

    public async ValueTask DisposeAsync()
    {
        await StopQuietly(_public);
        await StopQuietly(_admin);
        await _public.DisposeAsync();
        await _admin.DisposeAsync();
        Core.Dispose();
    }

    private static async Task StopQuietly(WebApplication app)
    {
        try
        {
            await app.StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }
}

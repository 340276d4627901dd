using Canary.Router.Hosting;

namespace Canary.Testing;

/// <summary>
/// The real router in the test process (<see cref="RouterHost"/>: both hosts on the ports router.json names, usually
/// 127.0.0.1:0) over a temporary folder of its own holding router.json, the state file and the cookie key. It can be
/// stopped and started again on the same folder (same config, state and key), as a restart does. Every rig that
/// runs the router in process starts it here.
/// </summary>
internal sealed class InProcessRouter : IAsyncDisposable
{
    private readonly RouterHostOptions? _options;
    private RouterHost? _host;

    private InProcessRouter(string folder, RouterHostOptions? options)
    {
        Folder = folder;
        _options = options;
    }

    public string Folder { get; }

    public string ConfigPath => Path.Combine(Folder, "router.json");

    public RouterHost Host => _host ?? throw new InvalidOperationException("the router is stopped");

    /// <param name="name">Names the temporary folder (canary-NAME-...), so a folder left behind says whose it is.</param>
    /// <param name="routerJson">router.json's text; a function of the folder when the file names paths in it.</param>
    public static async Task<InProcessRouter> StartAsync(string name, Func<string, string> routerJson, RouterHostOptions? options = null)
    {
        var router = new InProcessRouter(Directory.CreateTempSubdirectory($"canary-{name}-").FullName, options);
        try
        {
            await File.WriteAllTextAsync(router.ConfigPath, routerJson(router.Folder));
            await router.StartAgainAsync();
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    public static Task<InProcessRouter> StartAsync(string name, string routerJson, RouterHostOptions? options = null) =>
        StartAsync(name, _ => routerJson, options);

    /// <summary>Stops the router (its hosts shut down gracefully); the folder stays.</summary>
    public async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }
    }

    /// <summary>Starts the router on the folder as it is now; throws what a start throws (e.g. a ConfigException).</summary>
    public async Task StartAgainAsync()
    {
        if (_host is not null)
        {
            throw new InvalidOperationException("the router is running already");
        }

        _host = await RouterHost.StartAsync(ConfigPath, _options);
    }

    /// <summary>Stops the router, runs <paramref name="whileStopped"/> (edit files, break things), starts it again.</summary>
    public async Task RestartAsync(Func<Task>? whileStopped = null)
    {
        await StopAsync();
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        await StartAgainAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        TempFolder.DeleteQuietly(Folder);
    }
}

using Canary.Router.State;

namespace Canary.Router.Configuration;

/// <summary>
/// Watches router.json's folder, not its name: editors save by truncating, by writing a temporary file and renaming
/// it into place, and Kubernetes swaps a ConfigMap by renaming its <c>..data</c> symlink, which no event on the name
/// router.json shows. Any change in the folder (but the router's own state files) is debounced, then the reloader
/// reads the file and acts only when its bytes changed. A fault in a reload is logged, counted
/// (<c>canary_faults_total{component="reload"}</c>) and recorded in the decision log, and the watcher carries on.
/// </summary>
internal sealed partial class ConfigWatcher(Hosting.RouterCore core, ConfigReloader reloader, ILogger<ConfigWatcher> logger) : BackgroundService
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly System.Threading.Channels.Channel<bool> _changed = System.Threading.Channels.Channel.CreateBounded<bool>(1);
    private FileSystemWatcher? _watcher;

    // The watcher is on before the host serves (ExecuteAsync runs later, on the thread pool); an edit made between
    // the first read and the watcher's start is caught by comparing the file with the bytes read at start. Only a
    // difference asks for a (debounced) reload: a reload at start for nothing could read an edit half written.
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(core.ConfigPath)!;
        var stateFolder = Path.GetDirectoryName(core.StateFile.Path)!;
        var stateName = Path.GetFileName(core.StateFile.Path);
        _watcher = new FileSystemWatcher(folder)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };

        void Signal(string? name)
        {
            // The state file, its decision log and their temporary files change on every operator write.
            var ours = folder == stateFolder && name is not null
                && (name.StartsWith(stateName, StringComparison.Ordinal) || name.StartsWith("." + stateName, StringComparison.Ordinal));
            if (!ours)
            {
                _changed.Writer.TryWrite(true);
            }
        }

        _watcher.Changed += (_, e) => Signal(e.Name);
        _watcher.Created += (_, e) => Signal(e.Name);
        _watcher.Deleted += (_, e) => Signal(e.Name);
        _watcher.Renamed += (_, e) => Signal(e.Name);
        _watcher.Error += (_, _) => _changed.Writer.TryWrite(true);
        _watcher.EnableRaisingEvents = true;
        if (!UnchangedSinceStart())
        {
            _changed.Writer.TryWrite(true);
        }

        return base.StartAsync(cancellationToken);
    }

    private bool UnchangedSinceStart()
    {
        try
        {
            return core.ConfigDigest is { } digest
                && System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(core.ConfigPath)).AsSpan().SequenceEqual(digest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public override void Dispose()
    {
        _watcher?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await _changed.Reader.WaitToReadAsync(stoppingToken))
        {
            // Let the editor finish, then read once for however many events it caused.
            await Task.Delay(Debounce, core.Time, stoppingToken);
            while (_changed.Reader.TryRead(out _))
            {
            }

            try
            {
                await reloader.ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                core.Metrics.Faults.WithLabels("reload").Inc();
                LogFault(logger, e);
                core.Events.Record(null, new ChangeCause(Actor.Reload, "reload-fault", "fault",
                    $"the reload of {Path.GetFileName(core.ConfigPath)} failed ({e.GetType().Name}: {e.Message}); the running configuration stays"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A reload of router.json failed; the running configuration stays and the watcher carries on")]
    private static partial void LogFault(ILogger logger, Exception exception);
}

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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = System.Threading.Channels.Channel.CreateBounded<bool>(1);
        var folder = Path.GetDirectoryName(core.ConfigPath)!;
        var stateFolder = Path.GetDirectoryName(core.StateFile.Path)!;
        var stateName = Path.GetFileName(core.StateFile.Path);
        using var watcher = new FileSystemWatcher(folder)
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
                changed.Writer.TryWrite(true);
            }
        }

        watcher.Changed += (_, e) => Signal(e.Name);
        watcher.Created += (_, e) => Signal(e.Name);
        watcher.Deleted += (_, e) => Signal(e.Name);
        watcher.Renamed += (_, e) => Signal(e.Name);
        watcher.Error += (_, _) => changed.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;

        while (await changed.Reader.WaitToReadAsync(stoppingToken))
        {
            // Let the editor finish, then read once for however many events it caused.
            await Task.Delay(Debounce, core.Time, stoppingToken);
            while (changed.Reader.TryRead(out _))
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

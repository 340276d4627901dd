namespace Canary.Router.Configuration;

/// <summary>
/// Watches router.json and reloads it when it settles. Editors save by truncating, by renaming a temporary file,
/// or in several writes: changes are debounced so a half-written file is not read.
/// </summary>
internal sealed class ConfigWatcher(Hosting.RouterCore core, ConfigReloader reloader) : BackgroundService
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = System.Threading.Channels.Channel.CreateBounded<bool>(1);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(core.ConfigPath)!, Path.GetFileName(core.ConfigPath))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        FileSystemEventHandler signal = (_, _) => changed.Writer.TryWrite(true);
        watcher.Changed += signal;
        watcher.Created += signal;
        watcher.Renamed += (_, _) => changed.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;

        while (await changed.Reader.WaitToReadAsync(stoppingToken))
        {
            // Let the editor finish, then read once for however many events it caused.
            await Task.Delay(Debounce, core.Time, stoppingToken);
            while (changed.Reader.TryRead(out _))
            {
            }

            await reloader.ReloadAsync(stoppingToken);
        }
    }
}

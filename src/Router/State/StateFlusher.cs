namespace Canary.Router.State;

/// <summary>
/// Writes committed changes the disk refused (a guard rollback or a reload on a full disk) until the write succeeds:
/// every failure is counted (<c>canary_state_write_failures_total</c>) and logged as a warning; tries back off from
/// 100 ms to 5 s. The change itself took effect at once; this only makes it durable.
/// </summary>
internal sealed partial class StateFlusher(ReleaseStore store, TimeProvider time, ILogger<StateFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new SemaphoreSlim(0, 1);
        void Wake()
        {
            if (pending.CurrentCount == 0)
            {
                try
                {
                    pending.Release();
                }
                catch (SemaphoreFullException)
                {
                    // Already awake.
                }
            }
        }

        void Failed(Exception e) => LogWriteFailed(logger, e.Message);
        store.WritePending += Wake;
        store.WriteFailed += Failed;
        try
        {
            if (store.Unwritten)
            {
                Wake();
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                await pending.WaitAsync(stoppingToken);
                var delay = FirstRetry;
                while (!store.Flush())
                {
                    await Task.Delay(delay, time, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
                }
            }
        }
        finally
        {
            store.WritePending -= Wake;
            store.WriteFailed -= Failed;
            pending.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The state file could not be written: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string error);
}

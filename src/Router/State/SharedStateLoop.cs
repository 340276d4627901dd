namespace Canary.Router.State;

/// <summary>
/// Replica mode's loop: every <see cref="Period"/>, or at once when another replica announces a change, reads the
/// fleet's state (<see cref="RedisStateStore.SyncAsync"/>), pushes this replica's counts and renews the step lease.
/// The periodic read is the safety net for announcements pub/sub dropped.
/// </summary>
internal sealed partial class SharedStateLoop(RedisStateStore shared, Hosting.RouterCore core, ILogger<SharedStateLoop> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wasDown = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await shared.SyncAsync();
                await shared.PushCountsAsync(core.Counters);
                await shared.RenewLeaseAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                core.Metrics.Faults.WithLabels("state").Inc();
                LogFault(logger, e);
            }

            var down = shared.Error is not null;
            if (down != wasDown)
            {
                if (down)
                {
                    LogDown(logger, shared.Error!);
                }
                else
                {
                    LogUp(logger);
                }

                wasDown = down;
            }

            try
            {
                await shared.Wake.WaitAsync(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Replica sync failed; it tries again")]
    private static partial void LogFault(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving the last state this replica had; admin writes are refused until Redis answers. {Error}")]
    private static partial void LogDown(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again; this replica has caught up with the fleet")]
    private static partial void LogUp(ILogger logger);
}

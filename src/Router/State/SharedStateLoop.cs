namespace Canary.Router.State;

/// <summary>
/// Replica mode's loop. A round is one Redis round trip (<see cref="RedisStateStore.RoundAsync"/>: renew the step
/// lease, push this replica's totals, read the others', and the state's generation); the state itself is read only
/// when the generation moved, and at once (not at the next round) when another replica announces a change.
/// When to do what is <see cref="NextRound"/>'s decision.
/// </summary>
internal sealed partial class SharedStateLoop(RedisStateStore shared, Hosting.RouterCore core, ILogger<SharedStateLoop> logger) : BackgroundService
{
    /// <summary>The regular round: totals pushed and read, lease renewed, generation checked (the safety net for dropped announcements).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    /// <summary>The shortest time between two rounds: a failing canary's push comes forward to this, batched.</summary>
    public static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// What the loop does next, from what is pending and the time since the last round began (<paramref name="lastRound"/>,
    /// a timestamp of <paramref name="time"/>; null before the first): an announced change is read at once, new canary
    /// failures bring the round forward to <see cref="MinGap"/> after the last, else the round is due a <see cref="Period"/> after it.
    /// </summary>
    public static Next NextRound(TimeProvider time, long? lastRound, bool changed, bool canaryFailed)
    {
        if (changed)
        {
            return new Next(Work.ReadState, TimeSpan.Zero);
        }

        if (lastRound is not { } last)
        {
            return new Next(Work.Round, TimeSpan.Zero);
        }

        var left = (canaryFailed ? MinGap : Period) - time.GetElapsedTime(last);
        return left <= TimeSpan.Zero ? new Next(Work.Round, TimeSpan.Zero) : new Next(Work.Wait, left);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var signal = shared.Signal;
        long? lastRound = null;
        var wasDown = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // A failure of a stable version, or one already pushed, brings nothing forward.
            var canaryFailed = signal.FailedPending && shared.CanaryFailed();
            if (signal.FailedPending && !canaryFailed)
            {
                signal.TakeFailed();
            }

            var next = NextRound(core.Time, lastRound, signal.ChangedPending, canaryFailed);
            try
            {
                switch (next.Work)
                {
                    case Work.ReadState:
                        signal.TakeChanged();
                        await shared.SyncAsync();
                        break;
                    case Work.Round:
                        lastRound = core.Time.GetTimestamp();
                        signal.TakeFailed();
                        await shared.RoundAsync(announce: canaryFailed);
                        break;
                    default:
                        await signal.WaitAsync(next.Wait, stoppingToken);
                        continue;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
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
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Replica sync failed; it tries again")]
    private static partial void LogFault(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Serving the last state this replica had; admin writes are refused until Redis answers. {Error}")]
    private static partial void LogDown(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again; this replica has caught up with the fleet")]
    private static partial void LogUp(ILogger logger);

    /// <summary>What the loop does now.</summary>
    internal enum Work
    {
        /// <summary>Nothing is due: wait for a poke or <see cref="Next.Wait"/>.</summary>
        Wait,

        /// <summary>Another replica announced a change: read the state now.</summary>
        ReadState,

        /// <summary>A round trip: lease, totals, generation.</summary>
        Round,
    }

    /// <summary><see cref="NextRound"/>'s answer.</summary>
    internal readonly record struct Next(Work Work, TimeSpan Wait);
}

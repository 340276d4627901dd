namespace Canary.Router.State;

/// <summary>
/// Replica mode's loop. A round is one Redis round trip (<see cref="RedisStateStore.RoundAsync"/>: renew the step
/// lease, push this replica's totals, read the others', and the state's generation); the state itself is read only
/// when the generation moved, and at once (not at the next round) when another replica announces a change.
/// When to do what is <see cref="NextRound"/>'s decision.
/// </summary>
internal sealed partial class SharedStateLoop(RedisStateStore shared, Hosting.RouterCore core, ILogger<SharedStateLoop> logger) : BackgroundService
{
    /// <summary>
    /// The regular round: totals pushed and read, lease renewed, generation checked (the safety net for dropped
    /// announcements). Its length is also how stale a replica's successes from before a canary's first failure can be
    /// when they reach the others' guards (they are placed at that failure): 200 ms cost 9% more failed requests over 3
    /// replicas than one router at 1,100 requests/s, 100 ms 4% (bench/GuardSim --replicas), for 10 round trips a second, not 5.
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The shortest time between a round and a push of new canary failures after it: a canary's failures reach the
    /// other replicas' guards within this (and one round trip), batched over it while they come faster.
    /// </summary>
    public static readonly TimeSpan QuickGap = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Failure pushes <see cref="QuickGap"/> apart before they slow down to one per <see cref="MinGap"/>: enough for the
    /// guard's verdict on a canary that dies (a handful of failures over the fleet), while one that keeps failing below
    /// the guard's threshold costs 10 pushes a second. Spent pushes come back one per MinGap (a token bucket).
    /// </summary>
    public const int Burst = 10;

    /// <summary>The shortest time between failure pushes once the burst is spent.</summary>
    public static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// What the loop does next, from what is pending, the time the last round began (<paramref name="lastRound"/>, a
    /// timestamp of <paramref name="time"/>; null before the first) and what is left of the failure pushes' burst: an
    /// announced change is read at once; new canary failures bring the round forward to <see cref="QuickGap"/> after
    /// the last while the burst lasts, then to when it has a push again; else the round is due a <see cref="Period"/> after the last.
    /// </summary>
    public static Next NextRound(TimeProvider time, long? lastRound, FailurePushes pushes, bool changed, bool canaryFailed)
    {
        if (changed)
        {
            return new Next(Work.ReadState, TimeSpan.Zero);
        }

        if (lastRound is not { } last)
        {
            return new Next(Work.Round, TimeSpan.Zero);
        }

        var due = last + Ticks(time, Period);
        if (canaryFailed)
        {
            due = Math.Min(due, Math.Max(last + Ticks(time, QuickGap), pushes.AllowedFrom(time)));
        }

        var now = time.GetTimestamp();
        return due <= now ? new Next(Work.Round, TimeSpan.Zero) : new Next(Work.Wait, time.GetElapsedTime(now, due));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var signal = shared.Signal;
        long? lastRound = null;
        var pushes = default(FailurePushes);
        var wasDown = false;
        try
        {
            shared.Rehearse();
        }
        catch (Exception e)
        {
            Fault(e);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // A failure of a stable version, or one already pushed, brings nothing forward. Another replica's canary
            // failures bring this replica's totals forward too, when they moved: a guard that took those failures
            // with this replica's counts as of its last round would take the successes after them for a recovery.
            var canaryFailed = (signal.FailedPending && shared.CanaryFailed()) || (signal.PeersFailedPending && shared.Unpushed());
            if (!canaryFailed)
            {
                signal.TakeFailed();
                signal.TakePeersFailed();
            }

            var next = NextRound(core.Time, lastRound, pushes, signal.ChangedPending, canaryFailed);
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
                        if (canaryFailed)
                        {
                            pushes = pushes.Pushed(core.Time, lastRound.Value);
                        }

                        signal.TakeFailed();
                        signal.TakePeersFailed();
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
                Fault(e);
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

    private void Fault(Exception e)
    {
        core.Metrics.Faults.WithLabels("state").Inc();
        LogFault(logger, e);
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

    /// <summary>
    /// What is left of the failure pushes' <see cref="Burst"/>, as one time (the generic cell rate algorithm):
    /// <paramref name="Refilled"/>, a timestamp, is when the burst is whole again. A push is allowed from
    /// (Burst - 1) MinGaps before it, and moves it a MinGap on from itself or now, whichever is later.
    /// The default (0) is a whole burst.
    /// </summary>
    internal readonly record struct FailurePushes(long Refilled)
    {
        public long AllowedFrom(TimeProvider time) => Refilled - Ticks(time, (Burst - 1) * MinGap);

        public FailurePushes Pushed(TimeProvider time, long now) => new(Math.Max(Refilled, now) + Ticks(time, MinGap));
    }

    private static long Ticks(TimeProvider time, TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}

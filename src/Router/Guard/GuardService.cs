namespace Canary.Router.Guard;

/// <summary>Evaluates every release on a short period, on the router's <see cref="TimeProvider"/>.</summary>
internal sealed class GuardService(GuardMonitor monitor, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            monitor.EvaluateAll();
        }
    }
}

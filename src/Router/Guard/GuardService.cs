using Canary.Router.Metrics;

namespace Canary.Router.Guard;

/// <summary>
/// The one guard loop: judges every release when a failure pokes it and at least every <see cref="Period"/>. The wait
/// is scheduling only; every decision reads the router's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class GuardService(GuardMonitor monitor, FailureSignal signal) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            monitor.EvaluateAll();
        }
    }
}

namespace Canary.Router.Experiments;

/// <summary>
/// The experiments' background work: <see cref="Tick"/> every <paramref name="interval"/> on the router's clock, off
/// the request path, until the host stops.
/// </summary>
internal abstract class ExperimentTicker(TimeSpan interval, TimeProvider time) : BackgroundService
{
    protected abstract void Tick();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}

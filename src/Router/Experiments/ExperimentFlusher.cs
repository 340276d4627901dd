using Canary.Router.Hosting;

namespace Canary.Router.Experiments;

/// <summary>Saves the experiments' counts every few seconds when they changed, and once more at shutdown.</summary>
internal sealed partial class ExperimentFlusher(RouterCore core, ILogger<ExperimentFlusher> logger) : ExperimentTicker(Interval, core.Time)
{
    /// <summary>At most this much counting is lost to a crash (a clean shutdown loses nothing).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Flush(); // The last counts.
    }

    protected override void Tick() => Flush();

    private void Flush()
    {
        var book = core.Experiments;
        if (!book.Changes.Take())
        {
            return;
        }

        try
        {
            book.File.Write(book.Snapshot());
        }
        catch (IOException e)
        {
            // The counts stay in memory; the next tick tries again.
            book.Changes.Raise();
            LogWriteFailed(logger, book.File.Path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not save the experiments to {Path}: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string error);
}

using Canary.Router.Metrics;

namespace Canary.Router.Experiments;

/// <summary>
/// Publishes the running experiments on every scrape: users per version and converted users per goal. The counts
/// live in the sketches, so they are read when Prometheus asks, not pushed per request; a new experiment removes
/// the old one's series, which Prometheus sees as a counter reset.
/// </summary>
internal sealed class ExperimentMetrics
{
    private readonly RouterMetrics _metrics;
    private readonly ExperimentBook _book;
    private readonly Dictionary<string, (ExperimentRun Run, string[][] Series)> _published = [];

    private ExperimentMetrics(RouterMetrics metrics, ExperimentBook book)
    {
        _metrics = metrics;
        _book = book;
    }

    public static void Attach(RouterMetrics metrics, ExperimentBook book)
    {
        var publisher = new ExperimentMetrics(metrics, book);
        metrics.Registry.AddBeforeCollectCallback(publisher.Publish);
    }

    private void Publish()
    {
        lock (_published)
        {
            foreach (var release in _book.All)
            {
                if (_published.TryGetValue(release.Release, out var shown) && !ReferenceEquals(shown.Run, release.Current))
                {
                    Remove(shown.Series);
                    _published.Remove(release.Release);
                }

                if (release.Current is { } run)
                {
                    Publish(release.Release, run);
                }
            }
        }
    }

    private void Publish(string release, ExperimentRun run)
    {
        var series = new List<string[]>();
        foreach (var arm in new[] { run.Stable, run.Canary })
        {
            _metrics.ExperimentUsers.WithLabels(release, arm.Version).Set(arm.Exposed.Count());
            series.Add([release, arm.Version]);
            for (var i = 0; i < run.Goals.Count; i++)
            {
                _metrics.GoalConversions.WithLabels(release, arm.Version, run.Goals[i].Name).IncTo(arm.Goals[i].Users.Count());
                series.Add([release, arm.Version, run.Goals[i].Name]);
            }
        }

        _published[release] = (run, [.. series]);
    }

    private void Remove(string[][] series)
    {
        foreach (var labels in series)
        {
            if (labels.Length == 2)
            {
                _metrics.ExperimentUsers.RemoveLabelled(labels);
            }
            else
            {
                _metrics.GoalConversions.RemoveLabelled(labels);
            }
        }
    }
}

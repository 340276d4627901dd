using System.Globalization;
using Canary.Router.Configuration;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Experiments;

/// <summary>
/// Every release's experiment, and the one place that starts and ends them: on start-up, on a reload and on every
/// release change (a new canary, a new weight, a promotion or a rollback ends one experiment and may start the
/// next). The request path reads a release's entry with no lock and adds to its counters; only the counts of
/// users assigned by weight go in (segment users chose their version, so they are not a random sample).
/// </summary>
internal sealed class ExperimentBook
{
    private readonly Lock _gate = new();
    private readonly DecisionLog _events;
    private readonly TimeProvider _time;
    private ReleaseExperiment[] _releases = [];

    public ExperimentBook(string path, DecisionLog events, TimeProvider time)
    {
        File = new ExperimentFile(path);
        _events = events;
        _time = time;
    }

    public ExperimentFile File { get; }

    public ChangeSignal Changes { get; } = new();

    public IReadOnlyList<ReleaseExperiment> All => Volatile.Read(ref _releases);

    public ReleaseExperiment? Find(string release)
    {
        foreach (var entry in Volatile.Read(ref _releases))
        {
            if (ReferenceEquals(entry.Release, release) || entry.Release == release)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// The request path: counts the user as exposed to their version and returns what the response needs to count
    /// request goals. Only users assigned by weight (<see cref="CohortDecision.Bucket"/> set) take part.
    /// </summary>
    public ExperimentVisit Visit(string releaseName, string routeName, ReleaseState state, CohortDecision decision, ReadOnlySpan<char> userKey)
    {
        if (decision.Bucket < 0 || Find(releaseName) is not { Current: { } run } release || !run.Key.Matches(state)
            || run.Arm(decision.Version) is not { } arm)
        {
            return default;
        }

        var user = UserHash.Of(userKey);
        arm.Expose(user);
        return new ExperimentVisit(arm, release.GoalsOf(routeName)!, user);
    }

    /// <summary>Start-up and reloads: every release's goals from router.json, experiments restored from the file or started.</summary>
    public void Load(RouterOptions options, IReadOnlyList<ReleaseState> states, bool restore)
    {
        lock (_gate)
        {
            var saved = restore ? File.Read() : null;
            var previous = Volatile.Read(ref _releases);
            var next = new List<ReleaseExperiment>();
            foreach (var release in options.Releases)
            {
                var state = states.FirstOrDefault(s => s.Name == release.Name);
                var old = previous.FirstOrDefault(e => e.Release == release.Name);
                if (old is null && saved?.GetValueOrDefault(release.Name) is { } entry)
                {
                    old = Restore(release.Name, entry);
                }

                var entryOf = old is null
                    ? new ReleaseExperiment(release.Name, release.Goals, null, null, ReleaseExperiment.Compile(release))
                    : old with { Goals = release.Goals, Current = old.Current?.WithGoals(release.Goals), Routes = ReleaseExperiment.Compile(release) };
                next.Add(state is null ? entryOf : Move(entryOf, state, Actor.Reload));
            }

            Volatile.Write(ref _releases, [.. next]);
        }
    }

    /// <summary>A release changed: end and start experiments as its split says.</summary>
    public void OnChange(ReleaseChange change)
    {
        lock (_gate)
        {
            var releases = Volatile.Read(ref _releases);
            var index = Array.FindIndex(releases, e => e.Release == change.After.Name);
            if (index < 0)
            {
                return;
            }

            var moved = Move(releases[index], change.After, change.Cause.Actor);
            if (!ReferenceEquals(moved, releases[index]))
            {
                var copy = (ReleaseExperiment[])releases.Clone();
                copy[index] = moved;
                Volatile.Write(ref _releases, copy);
                Changes.Raise();
            }
        }
    }

    /// <summary>The counts of every experiment, for the file.</summary>
    public IReadOnlyList<ReleaseExperiment> Snapshot() => Volatile.Read(ref _releases);

    private ReleaseExperiment Move(ReleaseExperiment entry, ReleaseState state, Actor actor)
    {
        var key = ExperimentKey.Of(state);
        if (entry.Current is { } current && key == current.Key)
        {
            return entry;
        }

        var now = _time.GetUtcNow();
        var ended = entry.Previous;
        if (entry.Current is { } finished)
        {
            ended = new EndedRun(finished, now);
            Record(entry.Release, actor, "experiment-end", ExperimentReport.Of(finished.Snapshot(entry.Release, now)));
        }

        ExperimentRun? started = null;
        if (key is { } newKey)
        {
            started = ExperimentRun.Start(newKey, now, entry.Goals, Changes);
            Record(entry.Release, actor, "experiment-start", ExperimentReport.Of(started.Snapshot(entry.Release, null)));
        }

        return entry with { Current = started, Previous = ended };
    }

    private ReleaseExperiment Restore(string release, ExperimentFile.SavedRelease saved) =>
        new(release, [], saved.Current is { } c ? ExperimentFile.ToRun(c, Changes) : null,
            saved.Previous is { } p && p.Ended is { } at ? new EndedRun(ExperimentFile.ToRun(p, Changes), at) : null, []);

    /// <summary>The decision log's entry: the split and, at the end, each goal's final figures.</summary>
    private void Record(string release, Actor actor, string action, ExperimentReport report)
    {
        var figures = new Dictionary<string, double>
        {
            ["weight"] = report.Weight ?? 0,
            [$"users.{report.Stable}"] = report.Versions[0].Users,
            [$"users.{report.Canary}"] = report.Versions[1].Users,
        };
        if (report.SampleRatio is { } srm)
        {
            figures["srm.p"] = srm.PValue;
        }

        foreach (var goal in report.Goals)
        {
            figures[$"{goal.Goal}.{report.Stable}"] = goal.Numeric ? goal.Stable.Mean ?? 0 : goal.Stable.Converted;
            figures[$"{goal.Goal}.{report.Canary}"] = goal.Numeric ? goal.Canary.Mean ?? 0 : goal.Canary.Converted;
            if (goal.Lift is { } lift)
            {
                figures[$"{goal.Goal}.lift"] = lift;
            }
        }

        var reason = action == "experiment-start"
            ? $"experiment started: {report.Stable} against {report.Canary} at {report.Weight?.ToString(CultureInfo.InvariantCulture)}%"
            : $"experiment ended: {report.Summary}";
        _events.Record(release, new ChangeCause(actor, action, action, reason, figures));
    }
}

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
    private readonly TimeProvider _time;
    private ReleaseExperiment[] _releases = [];

    public ExperimentBook(string path, TimeProvider time)
    {
        File = new ExperimentFile(path);
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
                // An experiment that starts with the router (or with a release a reload adds) starts with no change to
                // log it on; its start time is in the report.
                next.Add(state is null ? entryOf : Move(entryOf, state, null));
            }

            Volatile.Write(ref _releases, [.. next]);
        }
    }

    /// <summary>
    /// A release changed: ends and starts experiments as its split says, and returns the change with the ended
    /// experiment's final figures and the new one's split added to its figures, so the decision log's entry for the
    /// change records both (<c>experiment.end.*</c>, <c>experiment.start.*</c>) without entries of its own.
    /// </summary>
    public ReleaseChange OnChange(ReleaseChange change)
    {
        lock (_gate)
        {
            var releases = Volatile.Read(ref _releases);
            var index = Array.FindIndex(releases, e => e.Release == change.After.Name);
            if (index < 0)
            {
                return change;
            }

            var figures = new Dictionary<string, double>();
            var moved = Move(releases[index], change.After, figures);
            if (ReferenceEquals(moved, releases[index]))
            {
                return change;
            }

            var copy = (ReleaseExperiment[])releases.Clone();
            copy[index] = moved;
            Volatile.Write(ref _releases, copy);
            Changes.Raise();
            foreach (var (name, value) in change.Cause.Figures ?? new Dictionary<string, double>())
            {
                figures[name] = value;
            }

            return change with { Cause = change.Cause with { Figures = figures } };
        }
    }

    /// <summary>A committed change of the store: <see cref="OnChange"/> for each release it changed.</summary>
    public Commit OnCommit(Commit commit) => commit.Changed.Count == 0 ? commit : commit with { Changed = [.. commit.Changed.Select(OnChange)] };

    /// <summary>The counts of every experiment, for the file.</summary>
    public IReadOnlyList<ReleaseExperiment> Snapshot() => Volatile.Read(ref _releases);

    private ReleaseExperiment Move(ReleaseExperiment entry, ReleaseState state, Dictionary<string, double>? figures)
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
            if (figures is not null)
            {
                AddFinalFigures(figures, ExperimentReport.Of(finished.Snapshot(entry.Release, now)));
            }
        }

        ExperimentRun? started = null;
        if (key is { } newKey)
        {
            started = ExperimentRun.Start(newKey, now, entry.Goals, Changes);
            figures?.Add("experiment.start.weight", newKey.CanaryBuckets / 100.0);
        }

        return entry with { Current = started, Previous = ended };
    }

    private ReleaseExperiment Restore(string release, ExperimentFile.SavedRelease saved) =>
        new(release, [], saved.Current is { } c ? ExperimentFile.ToRun(c, Changes) : null,
            saved.Previous is { } p && p.Ended is { } at ? new EndedRun(ExperimentFile.ToRun(p, Changes), at) : null, []);

    /// <summary>The prefix of the figures an ended experiment leaves on the change that ended it (its verdict).</summary>
    public const string EndFiguresPrefix = "experiment.end.";

    /// <summary>An ended experiment's final figures: users per version, each goal's converted users (or mean) and lift, the SRM p-value.</summary>
    private static void AddFinalFigures(Dictionary<string, double> figures, ExperimentReport report)
    {
        const string prefix = EndFiguresPrefix;
        figures[prefix + "weight"] = report.Weight ?? 0;
        foreach (var version in report.Versions)
        {
            figures[$"{prefix}users.{version.Version}"] = version.Users;
        }

        if (report.SampleRatio is { } srm)
        {
            figures[prefix + "srm.p"] = srm.PValue;
        }

        foreach (var goal in report.Goals)
        {
            figures[$"{prefix}{goal.Goal}.{report.Stable}"] = goal.Numeric ? goal.Stable.Mean ?? 0 : goal.Stable.Converted;
            figures[$"{prefix}{goal.Goal}.{report.Canary}"] = goal.Numeric ? goal.Canary.Mean ?? 0 : goal.Canary.Converted;
            if (goal.Lift is { } lift)
            {
                figures[$"{prefix}{goal.Goal}.lift"] = lift;
            }
        }
    }
}

using Canary.Router.State;

namespace Canary.Router.Experiments;

/// <summary>
/// What makes one experiment: the two versions and the split between them. Any change of these starts a new
/// experiment, as GrowthBook starts a new phase when traffic allocation changes: users counted under two splits
/// are two populations (Simpson's paradox), and the sample-ratio check needs one expected share.
/// </summary>
internal readonly record struct ExperimentKey(string Stable, string Canary, int CanaryBuckets)
{
    /// <summary>The key of a state whose users are split by weight; null when nobody is, or everybody is, on the canary.</summary>
    public static ExperimentKey? Of(ReleaseState state) =>
        state.Canary is not null && state.CanaryBuckets is > 0 and < ReleaseState.BucketCount
            ? new ExperimentKey(state.Stable, state.Canary, state.CanaryBuckets)
            : null;

    public bool Matches(ReleaseState state) =>
        state.CanaryBuckets == CanaryBuckets && ReferenceEqualsOrSame(state.Stable, Stable) && ReferenceEqualsOrSame(state.Canary, Canary);

    public double CanaryShare => CanaryBuckets / (double)ReleaseState.BucketCount;

    private static bool ReferenceEqualsOrSame(string? a, string b) => ReferenceEquals(a, b) || a == b;
}

/// <summary>
/// One experiment of one release: immutable apart from its counters, which the request path and beacons add to.
/// A reload that changes the goals makes a new run over the same counters (goals matched by name).
/// </summary>
internal sealed class ExperimentRun
{
    public ExperimentRun(ExperimentKey key, DateTimeOffset started, IReadOnlyList<GoalOptions> goals, ExperimentArm stable, ExperimentArm canary)
    {
        Key = key;
        Started = started;
        Goals = goals;
        Stable = stable;
        Canary = canary;
    }

    public ExperimentKey Key { get; }

    public DateTimeOffset Started { get; }

    public IReadOnlyList<GoalOptions> Goals { get; }

    public ExperimentArm Stable { get; }

    public ExperimentArm Canary { get; }

    public static ExperimentRun Start(ExperimentKey key, DateTimeOffset started, IReadOnlyList<GoalOptions> goals, ChangeSignal changes) =>
        new(key, started, goals, NewArm(key.Stable, goals.Count, changes), NewArm(key.Canary, goals.Count, changes));

    public ExperimentArm? Arm(string version) =>
        ReferenceEquals(version, Key.Canary) || version == Key.Canary ? Canary
        : ReferenceEquals(version, Key.Stable) || version == Key.Stable ? Stable
        : null;

    /// <summary>The same experiment under a new list of goals: kept goals keep their counts, new ones start at zero.</summary>
    public ExperimentRun WithGoals(IReadOnlyList<GoalOptions> goals) =>
        new(Key, Started, goals, Regoal(Stable, goals), Regoal(Canary, goals));

    public ExperimentSnapshot Snapshot(string release, DateTimeOffset? ended) => new(
        release, Key, Started, ended, Goals, Stable.Exposed.Count(), Canary.Exposed.Count(),
        [.. Stable.Goals.Select(g => g.Snapshot())], [.. Canary.Goals.Select(g => g.Snapshot())]);

    private ExperimentArm Regoal(ExperimentArm arm, IReadOnlyList<GoalOptions> goals) =>
        new(arm.Version, arm.Exposed, [.. goals.Select(goal =>
            Goals.ToList().FindIndex(g => g.Name == goal.Name && g.Value == goal.Value) is var i and >= 0 ? arm.Goals[i] : new GoalCounter())], arm.Changes);

    private static ExperimentArm NewArm(string version, int goals, ChangeSignal changes) =>
        new(version, new HyperLogLog(), [.. Enumerable.Range(0, goals).Select(_ => new GoalCounter())], changes);
}

/// <summary>The immutable counts of one experiment at one moment: what the statistics and the admin API read.</summary>
internal sealed record ExperimentSnapshot(
    string Release, ExperimentKey Key, DateTimeOffset Started, DateTimeOffset? Ended, IReadOnlyList<GoalOptions> Goals,
    long StableUsers, long CanaryUsers, IReadOnlyList<GoalCounts> StableGoals, IReadOnlyList<GoalCounts> CanaryGoals);

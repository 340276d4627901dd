namespace Canary.Router.Experiments;

internal sealed record VersionUsers(string Version, long Users);

/// <summary>What <c>GET /admin/releases/{name}/experiment</c> answers: the counts, the split check and every goal's statistics.</summary>
internal sealed record ExperimentReport(
    string Release, string Status, string? Stable, string? Canary, double? Weight, DateTimeOffset? Started, DateTimeOffset? Ended,
    IReadOnlyList<VersionUsers> Versions, SampleRatioCheck? SampleRatio, string Summary, IReadOnlyList<GoalResult> Goals)
{
    public static ExperimentReport None(string release) => new(release, "none", null, null, null, null, null, [], null,
        "no experiment yet: one runs while a canary has a weight above 0 and below 100", []);

    /// <summary>A pure function of the counts.</summary>
    public static ExperimentReport Of(ExperimentSnapshot snapshot)
    {
        var key = snapshot.Key;
        var srm = SampleRatioCheck.Of(snapshot.StableUsers, snapshot.CanaryUsers, key.CanaryShare);
        var goals = snapshot.Goals
            .Select((goal, i) => GoalAnalysis.Analyze(goal, snapshot.StableUsers, snapshot.StableGoals[i], snapshot.CanaryUsers, snapshot.CanaryGoals[i], key.Canary, srm.Mismatch))
            .ToList();
        var summary = srm.Mismatch
            ? $"SAMPLE RATIO MISMATCH: {srm.ObservedCanaryShare:P2} of users are on {key.Canary} where the weight gives {srm.ExpectedCanaryShare:P2} (p = {srm.PValue:G3}); a broken split makes every figure below meaningless"
            : string.Join("; ", goals.Select(g => $"{g.Goal}: {g.Verdict.Text}").DefaultIfEmpty("no goals configured"));
        return new ExperimentReport(
            snapshot.Release, snapshot.Ended is null ? "running" : "ended", key.Stable, key.Canary, key.CanaryBuckets / 100.0, snapshot.Started, snapshot.Ended,
            [new VersionUsers(key.Stable, snapshot.StableUsers), new VersionUsers(key.Canary, snapshot.CanaryUsers)], srm, summary, goals);
    }
}

namespace Canary.Router.Experiments;

/// <summary>The immutable counts of one goal in one version: users converted, and for numeric goals the values.</summary>
internal readonly record struct GoalCounts(long Users, long Values, double Sum, double SumOfSquares);

internal enum Outcome
{
    /// <summary>The sequential interval excludes zero on the good side.</summary>
    Better,

    /// <summary>The sequential interval excludes zero on the bad side.</summary>
    Worse,

    /// <summary>Too little data, or no side excluded yet.</summary>
    NotYet,

    /// <summary>The user split does not match the weight: no figure is trustworthy.</summary>
    Invalid,
}

internal readonly record struct Interval(double Low, double High);

/// <summary>One version's figures for one goal.</summary>
internal sealed record ArmFigures(long Users, long Converted, double Rate, long Values, double? Mean, double? StandardDeviation);

/// <summary>The verdict in plain words, and how many more users would settle it at the current lift.</summary>
internal sealed record Verdict(Outcome Outcome, string Text, long? MoreUsersNeeded = null);

/// <summary>
/// One goal, canary against stable. <see cref="Lift"/> is relative (0.05 = +5%) on the conversion rate or the
/// mean value; <see cref="Interval"/> and <see cref="PValue"/> are fixed-horizon (valid read once, at a planned
/// size), <see cref="SequentialInterval"/> holds however often it is read and is the one the verdict uses.
/// </summary>
internal sealed record GoalResult(
    string Goal, bool Numeric, GoalDirection Better, ArmFigures Stable, ArmFigures Canary,
    double? Lift, Interval? Interval, double? PValue, string Test, Interval? SequentialInterval, Verdict Verdict);

using System.Globalization;

namespace Canary.Router.Experiments;

/// <summary>
/// The statistics of one goal, canary against stable, as a pure function of the two versions' counts. A conversion
/// goal compares the share of exposed users who converted (pooled two-proportion z-test); a numeric goal compares
/// the mean value per conversion (Welch's t-test). Both give the relative lift with a delta-method interval, and an
/// asymptotic confidence sequence that decides the verdict.
/// </summary>
internal static class GoalAnalysis
{
    public static GoalResult Analyze(GoalOptions goal, long stableUsers, GoalCounts stable, long canaryUsers, GoalCounts canary, string canaryVersion, bool sampleRatioMismatch)
    {
        var stableArm = Estimate(goal, stableUsers, stable);
        var canaryArm = Estimate(goal, canaryUsers, canary);
        var figures = (Figures(goal, stableUsers, stable, stableArm), Figures(goal, canaryUsers, canary, canaryArm));
        var lift = RelativeLift.Of(stableArm, canaryArm);

        double? p = null;
        Interval? interval = null;
        string test;
        if (goal.Value)
        {
            var (_, df, pWelch) = FixedHorizonTest.Welch(stableArm, canaryArm);
            test = "welch-t";
            if (df > 0)
            {
                p = pWelch;
                if (lift is { } l)
                {
                    var q = Distributions.StudentTQuantile(1 - (StatisticsSettings.Alpha / 2), df);
                    interval = new Interval(l.Value - (q * l.StandardError), l.Value + (q * l.StandardError));
                }
            }
        }
        else
        {
            test = "two-proportion-z";
            if (stableArm.N > 0 && canaryArm.N > 0)
            {
                p = FixedHorizonTest.TwoProportion(stableArm, canaryArm).PValue;
            }

            if (lift is { } l)
            {
                var q = Distributions.NormalQuantile(1 - (StatisticsSettings.Alpha / 2));
                interval = new Interval(l.Value - (q * l.StandardError), l.Value + (q * l.StandardError));
            }
        }

        var n = stableArm.N + canaryArm.N;
        Interval? sequential = null;
        if (lift is { } seq && seq.Variance > 0)
        {
            var half = ConfidenceSequence.HalfWidth(seq, n, StatisticsSettings.Alpha, StatisticsSettings.SequentialTuning);
            sequential = new Interval(seq.Value - half, seq.Value + half);
        }

        var verdict = Decide(goal, stableArm, canaryArm, lift, sequential, canaryVersion, sampleRatioMismatch, stableUsers + canaryUsers);
        return new GoalResult(goal.Name, goal.Value, goal.Better, figures.Item1, figures.Item2, lift?.Value, interval, p, test, sequential, verdict);
    }

    private static ArmEstimate Estimate(GoalOptions goal, long users, GoalCounts counts) =>
        goal.Value ? ArmEstimate.Values(counts.Values, counts.Sum, counts.SumOfSquares) : ArmEstimate.Conversions(counts.Users, users);

    private static ArmFigures Figures(GoalOptions goal, long users, GoalCounts counts, ArmEstimate arm)
    {
        var converted = Math.Min(counts.Users, users);
        var rate = users > 0 ? (double)converted / users : 0;
        return goal.Value
            ? new ArmFigures(users, converted, rate, counts.Values, counts.Values > 0 ? arm.Mean : null, counts.Values > 1 ? Math.Sqrt(arm.SampleVariance) : null)
            : new ArmFigures(users, converted, rate, 0, null, null);
    }

    private static Verdict Decide(GoalOptions goal, ArmEstimate stable, ArmEstimate canary, RelativeLift? lift, Interval? sequential, string canaryVersion, bool sampleRatioMismatch, long users)
    {
        if (sampleRatioMismatch)
        {
            return new Verdict(Outcome.Invalid, "no verdict: the user split does not match the weight (sample ratio mismatch), so no figure here can be trusted");
        }

        var minimum = goal.Value ? StatisticsSettings.MinValuesPerVersion : StatisticsSettings.MinUsersPerVersion;
        var unit = goal.Value ? "values" : "users";
        if (stable.N < minimum || canary.N < minimum)
        {
            var more = (long)(Math.Max(0, minimum - stable.N) + Math.Max(0, minimum - canary.N));
            return new Verdict(Outcome.NotYet, $"not yet: {minimum} {unit} per version are needed before any verdict (stable has {stable.N:0}, {canaryVersion} {canary.N:0})", goal.Value ? null : more);
        }

        if (lift is not { } l)
        {
            return new Verdict(Outcome.NotYet, goal.Value ? "not yet: stable's mean is zero, so there is no lift to measure" : "not yet: no stable user has converted, so there is no lift to measure");
        }

        // All-or-nothing rates (0% or 100% on both sides) give the delta method no variance to build an interval on.
        if (sequential is not { } s)
        {
            return new Verdict(Outcome.NotYet, "not yet: the figures do not vary yet (every rate is 0% or 100%), so no interval can be built");
        }

        var liftText = Percent(l.Value);
        var range = $"{Percent(s.Low)} to {Percent(s.High)}";
        var good = goal.Better == GoalDirection.Higher ? s.Low > 0 : s.High < 0;
        var bad = goal.Better == GoalDirection.Higher ? s.High < 0 : s.Low > 0;
        if (good)
        {
            return new Verdict(Outcome.Better, $"{canaryVersion} is better: {liftText} (always-valid 95% interval {range})");
        }

        if (bad)
        {
            return new Verdict(Outcome.Worse, $"{canaryVersion} is worse: {liftText} (always-valid 95% interval {range})");
        }

        var moreObservations = ConfidenceSequence.MoreObservationsNeeded(l, stable.N + canary.N, StatisticsSettings.Alpha, StatisticsSettings.SequentialTuning);
        if (moreObservations is not { } needed)
        {
            return new Verdict(Outcome.NotYet, l.Value == 0
                ? "not yet: no difference so far"
                : $"not yet: a lift of {liftText} is within the user counts' precision; no number of users would settle it");
        }

        // Numeric goals count values; turn the values still needed into users at the current values per user.
        var perUser = goal.Value ? (stable.N + canary.N) / Math.Max(1, users) : 1;
        var moreUsers = (long)Math.Ceiling(needed / Math.Max(perUser, 1e-9));
        return new Verdict(Outcome.NotYet, $"not yet: {liftText} so far (interval {range}); at this lift about {moreUsers.ToString("N0", CultureInfo.InvariantCulture)} more users would settle it", moreUsers);
    }

    private static string Percent(double lift) => (lift >= 0 ? "+" : "") + (lift * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

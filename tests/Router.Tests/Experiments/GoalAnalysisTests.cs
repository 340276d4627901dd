using Canary.Router.Experiments;

namespace Canary.Router.Tests.Experiments;

public sealed class GoalAnalysisTests
{
    private static readonly GoalOptions Orders = new() { Name = "orders", Type = GoalType.Request, Path = "/api/orders" };

    [Fact]
    public void Analyze_ClearlyHigherConversion_Better()
    {
        // 10% against 14% over 5,000 users each: the sequential interval excludes zero.
        var result = GoalAnalysis.Analyze(Orders, 5000, new GoalCounts(500, 0, 0, 0), 5000, new GoalCounts(700, 0, 0, 0), "v2", false);

        Assert.Equal(Outcome.Better, result.Verdict.Outcome);
        Assert.Equal(0.4, result.Lift!.Value, 12);
        Assert.True(result.SequentialInterval!.Value.Low > 0);
        Assert.StartsWith("v2 is better: +40.0%", result.Verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_LowerIsBetterGoalRising_Worse()
    {
        var failures = Orders with { Name = "failed-checkout", Better = GoalDirection.Lower };
        var result = GoalAnalysis.Analyze(failures, 5000, new GoalCounts(500, 0, 0, 0), 5000, new GoalCounts(700, 0, 0, 0), "v2", false);

        Assert.Equal(Outcome.Worse, result.Verdict.Outcome);
    }

    [Fact]
    public void Analyze_SmallLift_NotYetWithUsersNeeded()
    {
        // The reference's 100/1000 against 130/1000: +30%, 3,549 more users for the interval to exclude zero.
        var result = GoalAnalysis.Analyze(Orders, 1000, new GoalCounts(100, 0, 0, 0), 1000, new GoalCounts(130, 0, 0, 0), "v2", false);

        Assert.Equal(Outcome.NotYet, result.Verdict.Outcome);
        Assert.Equal(3549, result.Verdict.MoreUsersNeeded);
        Assert.Equal(0.0362408800757054339, result.PValue!.Value, 11);
    }

    [Fact]
    public void Analyze_TooFewUsers_NotYetNamingTheMinimum()
    {
        var result = GoalAnalysis.Analyze(Orders, 40, new GoalCounts(4, 0, 0, 0), 60, new GoalCounts(9, 0, 0, 0), "v2", false);

        Assert.Equal(Outcome.NotYet, result.Verdict.Outcome);
        Assert.Equal(100, result.Verdict.MoreUsersNeeded);
        Assert.Contains("100 users per version", result.Verdict.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_SampleRatioMismatch_InvalidWhateverTheLift()
    {
        var result = GoalAnalysis.Analyze(Orders, 5000, new GoalCounts(500, 0, 0, 0), 5000, new GoalCounts(700, 0, 0, 0), "v2", true);

        Assert.Equal(Outcome.Invalid, result.Verdict.Outcome);
    }

    [Fact]
    public void Analyze_NumericGoal_WelchOnMeans()
    {
        var score = new GoalOptions { Name = "score", Type = GoalType.Beacon, Value = true };
        var result = GoalAnalysis.Analyze(score, 100, new GoalCounts(40, 40, 160, 700), 100, new GoalCounts(50, 50, 215, 1010), "v2", false);

        Assert.Equal("welch-t", result.Test);
        Assert.Equal(4.0, result.Stable.Mean);
        Assert.Equal(4.3, result.Canary.Mean!.Value, 12);
        Assert.Equal(0.271121975824135413, result.PValue!.Value, 10);
        Assert.Equal(Outcome.NotYet, result.Verdict.Outcome);
    }
}

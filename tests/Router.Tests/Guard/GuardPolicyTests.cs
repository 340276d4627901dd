using Canary.Router.Configuration;
using Canary.Router.Guard;

namespace Canary.Router.Tests.Guard;

/// <summary>The guard's verdict as a table: thresholds, MinRequests, and the comparison with stable.</summary>
public sealed class GuardPolicyTests
{
    /// <summary>MinRequests 20, MaxErrorRate 0.05, MaxErrorRateAboveStable 0.02, MaxP99Ms 1000.</summary>
    private static readonly GuardOptions Options = new()
    {
        WindowSeconds = 5,
        MinRequests = 20,
        MaxErrorRate = 0.05,
        MaxErrorRateAboveStable = 0.02,
        MaxP99Ms = 1000,
    };

    /// <param name="because">What the row shows.</param>
    /// <param name="expected">Inconclusive, Healthy, or the breach's reason (the rollback label).</param>
    [Theory]
    // MinRequests: nothing is judged on too little canary traffic, however bad it looks.
    [InlineData("no traffic", 0, 0, 0, 0, 0, 0, 0, 0, "Inconclusive")]
    [InlineData("19 requests, all 5xx", 19, 19, 0, 10, 100, 0, 0, 10, "Inconclusive")]
    [InlineData("19 requests, all refused", 19, 0, 19, 10, 100, 0, 0, 10, "Inconclusive")]
    [InlineData("19 requests, p99 a minute", 19, 0, 0, 60_000, 100, 0, 0, 10, "Inconclusive")]
    [InlineData("20 requests, clean", 20, 0, 0, 10, 100, 0, 0, 10, "Healthy")]
    // Absolute error rate: strictly above MaxErrorRate, 5xx and transport errors alike.
    [InlineData("1 of 20 is exactly the threshold", 20, 1, 0, 10, 0, 0, 0, 0, "Healthy")]
    [InlineData("2 of 20 5xx", 20, 2, 0, 10, 0, 0, 0, 0, "guard_error_rate")]
    [InlineData("2 of 20 refused", 20, 0, 2, 10, 0, 0, 0, 0, "guard_error_rate")]
    [InlineData("3 5xx + 3 refused of 100", 100, 3, 3, 10, 1000, 0, 0, 10, "guard_error_rate")]
    [InlineData("5 of 100", 100, 5, 0, 10, 1000, 0, 0, 10, "Healthy")]
    [InlineData("all 5xx, stable clean", 100, 100, 0, 10, 1000, 0, 0, 10, "guard_error_rate")]
    // p99: strictly above MaxP99Ms.
    [InlineData("p99 at the threshold", 100, 0, 0, 1000, 1000, 0, 0, 10, "Healthy")]
    [InlineData("p99 above the threshold", 100, 0, 0, 1000.5, 1000, 0, 0, 10, "guard_latency")]
    [InlineData("p99 above, stable as slow", 100, 0, 0, 5000, 1000, 0, 0, 5000, "guard_latency")]
    [InlineData("errors and latency: errors named", 100, 50, 0, 5000, 1000, 0, 0, 10, "guard_error_rate")]
    // Relative: a dependency failing both versions is not the canary's fault.
    [InlineData("both fail everything", 100, 100, 0, 10, 1000, 1000, 0, 10, "Healthy")]
    [InlineData("both at 50%", 100, 50, 0, 10, 1000, 500, 0, 10, "Healthy")]
    [InlineData("canary 1 point worse", 100, 51, 0, 10, 1000, 500, 0, 10, "Healthy")]
    [InlineData("canary 1.5 points worse", 200, 103, 0, 10, 1000, 500, 0, 10, "Healthy")]
    [InlineData("canary exactly 2 points worse (7% vs 5%)", 100, 7, 0, 10, 1000, 50, 0, 10, "Healthy")]
    [InlineData("canary exactly 2 points worse (12% vs 10%)", 100, 12, 0, 10, 100, 10, 0, 10, "Healthy")]
    [InlineData("canary 3 points worse", 100, 53, 0, 10, 1000, 500, 0, 10, "guard_error_rate")]
    [InlineData("canary 10 points worse", 100, 60, 0, 10, 1000, 500, 0, 10, "guard_error_rate")]
    [InlineData("canary better than failing stable", 100, 40, 0, 10, 1000, 500, 0, 10, "Healthy")]
    [InlineData("stable refusing as much", 100, 0, 100, 10, 20, 0, 20, 10, "Healthy")]
    // Stable below MinRequests: nothing to compare with, the absolute threshold alone decides.
    [InlineData("both fail, stable 19 requests", 100, 100, 0, 10, 19, 19, 0, 10, "guard_error_rate")]
    [InlineData("both fail, stable idle", 100, 100, 0, 10, 0, 0, 0, 0, "guard_error_rate")]
    [InlineData("stable idle, canary within", 100, 4, 0, 10, 0, 0, 0, 0, "Healthy")]
    public void Judge_Figures_Verdict(string because, long canaryRequests, long canary5xx, long canaryRefused, double canaryP99Ms,
        long stableRequests, long stable5xx, long stableRefused, double stableP99Ms, string expected)
    {
        var canary = new WindowFigures(canaryRequests, canary5xx, canaryRefused, canaryP99Ms);
        var stable = new WindowFigures(stableRequests, stable5xx, stableRefused, stableP99Ms);

        var verdict = GuardPolicy.Judge(Options, canary, stable);

        var got = verdict.Kind == VerdictKind.Breach ? verdict.Reason : verdict.Kind.ToString();
        Assert.True(expected == got, $"{because}: expected {expected}, got {got} ({verdict.Explanation})");
        Assert.Equal(verdict.Kind == VerdictKind.Breach, verdict.Reason is not null);
        Assert.Equal(canary, verdict.Canary);
        Assert.Equal(stable, verdict.Stable);
    }

    [Theory]
    [InlineData(1, 1, 1, "Breach")]
    [InlineData(1, 1, 0, "Healthy")]
    [InlineData(1000, 999, 999, "Inconclusive")]
    [InlineData(1000, 1000, 51, "Breach")]
    [InlineData(1000, 1000, 50, "Healthy")]
    public void Judge_MinRequests_CountsCanaryRequestsOnly(int minRequests, int canaryRequests, int canaryErrors, string kind)
    {
        var options = Options with { MinRequests = minRequests };

        var verdict = GuardPolicy.Judge(options, new(canaryRequests, canaryErrors, 0, 10), new(0, 0, 0, 0));

        Assert.Equal(kind, verdict.Kind.ToString());
    }

    [Fact]
    public void Judge_ZeroMargin_AnyWorseThanStableBreaches()
    {
        var options = Options with { MaxErrorRateAboveStable = 0 };

        Assert.Equal(VerdictKind.Breach, GuardPolicy.Judge(options, new(100, 51, 0, 10), new(1000, 500, 0, 10)).Kind);
        Assert.Equal(VerdictKind.Healthy, GuardPolicy.Judge(options, new(100, 50, 0, 10), new(1000, 500, 0, 10)).Kind);
    }

    [Fact]
    public void Judge_ErrorRateBreach_ExplanationGivesFiguresAndThreshold()
    {
        var verdict = GuardPolicy.Judge(Options, new(40, 6, 4, 10), new(200, 1, 0, 10));

        Assert.Equal(GuardVerdict.ErrorRateReason, verdict.Reason);
        Assert.Contains("0.25", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("10 of 40", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("6 5xx, 4 transport", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("MaxErrorRate 0.05", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("stable 0.005 (1 of 200)", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_StableTooQuiet_ExplanationSaysSo()
    {
        var verdict = GuardPolicy.Judge(Options, new(40, 40, 0, 10), new(3, 3, 0, 10));

        Assert.Equal(VerdictKind.Breach, verdict.Kind);
        Assert.Contains("stable has too little traffic to compare", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_LatencyBreach_ExplanationGivesP99AndThreshold()
    {
        var verdict = GuardPolicy.Judge(Options, new(40, 0, 0, 1500), new(200, 0, 0, 12));

        Assert.Equal(GuardVerdict.LatencyReason, verdict.Reason);
        Assert.Contains("p99 1500 ms", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("MaxP99Ms 1000", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("stable p99 12 ms", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_Inconclusive_ExplanationNamesMinRequests()
    {
        var verdict = GuardPolicy.Judge(Options, new(7, 7, 0, 10), new(200, 0, 0, 12));

        Assert.Null(verdict.Reason);
        Assert.Contains("7 requests", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("MinRequests 20", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_WindowDilutedButLastSecondFailing_BreachOnTheLastSecond()
    {
        // 580 successes earlier in the window hide 25 failures (4%); the current second is 25 of 40 failing.
        var verdict = GuardPolicy.Judge(Options,
            canary: new WindowFigures(605, 25, 0, 10), stable: new WindowFigures(5000, 0, 0, 10),
            recentCanary: new WindowFigures(40, 25, 0, 10), recentStable: new WindowFigures(400, 0, 0, 10));

        Assert.Equal(VerdictKind.Breach, verdict.Kind);
        Assert.Equal(GuardVerdict.ErrorRateReason, verdict.Reason);
        Assert.Contains("in 1s", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_LastSecondBelowMinRequests_WindowVerdictStands()
    {
        var verdict = GuardPolicy.Judge(Options,
            canary: new WindowFigures(605, 25, 0, 10), stable: new WindowFigures(5000, 0, 0, 10),
            recentCanary: new WindowFigures(19, 19, 0, 10), recentStable: new WindowFigures(400, 0, 0, 10));

        Assert.Equal(VerdictKind.Healthy, verdict.Kind);
    }

    [Fact]
    public void Judge_LastSecondSlowOnly_LatencyJudgedOnTheWindowOnly()
    {
        // One slow second is not enough to call p99 over the window: latency is judged on the whole window.
        var verdict = GuardPolicy.Judge(Options,
            canary: new WindowFigures(605, 0, 0, 900), stable: new WindowFigures(5000, 0, 0, 10),
            recentCanary: new WindowFigures(40, 0, 0, 5000), recentStable: new WindowFigures(400, 0, 0, 10));

        Assert.Equal(VerdictKind.Healthy, verdict.Kind);
    }

    [Fact]
    public void Judge_LastSecondFailingWithLittleStableTraffic_ComparedWithStablesWindow()
    {
        // Both versions fail alike; the current second holds 20 canary requests but only 5 of stable's.
        var verdict = GuardPolicy.Judge(Options,
            canary: new WindowFigures(40, 40, 0, 10), stable: new WindowFigures(60, 60, 0, 10),
            recentCanary: new WindowFigures(20, 20, 0, 10), recentStable: new WindowFigures(5, 5, 0, 10));

        Assert.Equal(VerdictKind.Healthy, verdict.Kind);
    }
}

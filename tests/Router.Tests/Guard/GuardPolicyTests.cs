using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;
using CsCheck;

namespace Canary.Router.Tests.Guard;

/// <summary>The guard's verdict as a table: the evidence of one interval of counts, the caps, and the comparison with stable.</summary>
public sealed class GuardPolicyTests
{
    /// <summary>MinRequests 20, MaxErrorRate 0.05, MaxErrorRateAboveStable 0.02, MaxP99Ms 1000, FalseRollbackRate 0.01.</summary>
    private static readonly GuardOptions Options = new()
    {
        WindowSeconds = 10,
        MinRequests = 20,
        MaxErrorRate = 0.05,
        MaxErrorRateAboveStable = 0.02,
        MaxP99Ms = 1000,
    };

    /// <param name="because">What the row shows.</param>
    /// <param name="expected">Inconclusive, Healthy, or the breach's reason (the rollback label).</param>
    [Theory]
    // Too little canary traffic: inconclusive, unless what there is already proves the canary broken.
    [InlineData("no traffic", 0, 0, 0, 0, 0, 0, 0, 0, "Inconclusive")]
    [InlineData("19 clean requests", 19, 0, 0, 0, 100, 0, 0, 0, "Inconclusive")]
    [InlineData("5 requests, all 5xx: a dead canary needs no MinRequests", 5, 5, 0, 0, 100, 0, 0, 0, "guard_error_rate")]
    [InlineData("5 requests, all refused", 5, 0, 5, 0, 100, 0, 0, 0, "guard_error_rate")]
    [InlineData("20 requests, clean", 20, 0, 0, 0, 100, 0, 0, 0, "Healthy")]
    // Errors against MaxErrorRate: a rate near the cap is not evidence, a rate far above it is.
    [InlineData("2 of 20: above the cap, but not evidence", 20, 2, 0, 0, 100, 0, 0, 0, "Healthy")]
    [InlineData("5 of 100, at the cap", 100, 5, 0, 0, 1000, 0, 0, 0, "Healthy")]
    [InlineData("25 of 100, stable clean", 100, 25, 0, 0, 1000, 0, 0, 0, "guard_error_rate")]
    [InlineData("3% of 10000, stable clean: below the cap", 10000, 300, 0, 0, 10000, 0, 0, 0, "Healthy")]
    [InlineData("20 5xx + 20 refused of 400", 400, 20, 20, 0, 4000, 0, 0, 0, "guard_error_rate")]
    // Against stable: a dependency failing both versions is not the canary's fault.
    [InlineData("both fail everything", 100, 100, 0, 0, 1000, 1000, 0, 0, "Healthy")]
    [InlineData("both at 50%", 1000, 500, 0, 0, 10000, 5000, 0, 0, "Healthy")]
    [InlineData("canary 2 points worse (12% vs 10%)", 1000, 120, 0, 0, 10000, 1000, 0, 0, "Healthy")]
    [InlineData("canary 45 points worse (95% vs 50%)", 10000, 9500, 0, 0, 100000, 50000, 0, 0, "guard_error_rate")]
    [InlineData("canary better than failing stable", 1000, 400, 0, 0, 10000, 5000, 0, 0, "Healthy")]
    [InlineData("stable refusing as much", 100, 0, 100, 0, 100, 0, 100, 0, "Healthy")]
    // Stable below MinRequests: nothing to compare with, MaxErrorRate alone decides.
    [InlineData("both fail, stable 19 requests", 100, 100, 0, 0, 19, 19, 0, 0, "guard_error_rate")]
    [InlineData("both fail, stable 10 requests to the canary's 5 (a router's first seconds)", 5, 5, 0, 0, 10, 10, 0, 0, "Inconclusive")]
    [InlineData("both fail, stable idle", 100, 100, 0, 0, 0, 0, 0, 0, "guard_error_rate")]
    [InlineData("stable idle, canary within", 100, 4, 0, 0, 0, 0, 0, 0, "Healthy")]
    // Slow responses (headers later than MaxP99Ms): against stable and the 1% a p99 allows.
    [InlineData("1% slow, stable none", 1000, 0, 0, 10, 1000, 0, 0, 0, "Healthy")]
    [InlineData("30% slow, stable none", 100, 0, 0, 30, 1000, 0, 0, 0, "guard_latency")]
    [InlineData("all slow, stable as slow", 100, 0, 0, 100, 1000, 0, 0, 1000, "Healthy")]
    [InlineData("all slow, stable idle", 100, 0, 0, 100, 0, 0, 0, 0, "guard_latency")]
    [InlineData("errors and latency: errors named", 100, 50, 0, 100, 1000, 0, 0, 0, "guard_error_rate")]
    public void Judge_OneInterval_Verdict(string because, long canaryRequests, long canary5xx, long canaryRefused, long canarySlow,
        long stableRequests, long stable5xx, long stableRefused, long stableSlow, string expected)
    {
        // Every request here is a latency sample.
        var canary = new CountSnapshot(canaryRequests, canary5xx, canaryRefused, 0, canaryRequests, canarySlow);
        var stable = new CountSnapshot(stableRequests, stable5xx, stableRefused, 0, stableRequests, stableSlow);
        var evidence = GuardPolicy.Add(Options, GuardEvidence.None, canary, stable, age: 10);

        var verdict = GuardPolicy.Judge(Options, evidence, canary, stable);

        Assert.True(expected == (verdict.Reason ?? verdict.Kind.ToString()), $"{because}: {verdict.Kind} {verdict.Reason} ({verdict.Explanation})");
    }

    [Fact]
    public void Judge_Explanation_ShowsTheEvidenceAgainstWhatIsNeeded()
    {
        var canary = new CountSnapshot(100, 25, 0, 0, 100, 0);
        var stable = new CountSnapshot(1000, 0, 0, 0, 1000, 0);

        var verdict = GuardPolicy.Judge(Options, GuardPolicy.Add(Options, GuardEvidence.None, canary, stable, age: 10), canary, stable);

        Assert.Equal(200, verdict.Needed);
        Assert.True(verdict.ErrorEvidence >= 200);
        Assert.Matches(@"error evidence [0-9.]+e\+[0-9]+ of 200 needed, slow-response evidence [0-9.]+ of 200", verdict.Explanation);
        Assert.Contains("canary 25 of 100 failed (0.25: 25 5xx, 0 transport, 0 gRPC)", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Needed_FalseRollbackRate_SplitBetweenErrorsAndLatency() =>
        Assert.Equal(2000, GuardPolicy.Needed(Options with { FalseRollbackRate = 0.001 }), 9);

    /// <summary>
    /// Computed by hand (python3, math): canary 10 req/s, stable 90 req/s at 1%, defaults. A doubled rate is 0.1
    /// (twice max(0.05, 0.01 + 0.02)); the evidence needed is ln(200 * 9). Against MaxErrorRate: ln(1800) / (10 *
    /// KL(0.1 || 0.05)) = 36.2906 s. Against stable: null ratio 1 + 0.02/0.03, null share 0.15625, failures 1.9/s of
    /// which 1/1.9 the canary's: ln(1800) / (1.9 * KL(0.5263 || 0.15625)) = 10.7871 s. Both are needed: 36.29 s.
    /// </summary>
    [Fact]
    public void SecondsToDetectDoubled_ComparedWithStable_TheSlowerOfTheTwoTests()
    {
        var canary = new CountSnapshot(100, 0, 0, 0, 100, 0);
        var stable = new CountSnapshot(900, 9, 0, 0, 900, 0);

        Assert.Equal(36.2906095628652, GuardPolicy.SecondsToDetectDoubled(Options, canary, stable, compare: true)!.Value, 9);
        Assert.Null(GuardPolicy.SecondsToDetectDoubled(Options, default, stable, compare: true));
    }

    /// <summary>Property: a canary whose counts are exactly stable's is never rolled back, however the intervals come.</summary>
    [Fact]
    public void Judge_IdenticalVersionsInEveryInterval_NeverABreach()
    {
        Gen.Select(Gen.Int[20, 3000], Gen.Double[0, 1], Gen.Double[0, 1]).Array[1, 100].Sample(stream =>
        {
            var evidence = GuardEvidence.None;
            var age = 0.0;
            foreach (var (requests, errorRate, slowRate) in stream)
            {
                var counts = new CountSnapshot(requests, (long)(requests * errorRate), 0, 0, requests, (long)(requests * slowRate));
                evidence = GuardPolicy.Add(Options, evidence, counts, counts, age += 0.1);
                Assert.NotEqual(VerdictKind.Breach, GuardPolicy.Judge(Options, evidence, counts, counts).Kind);
            }
        }, iter: 1000);
    }
}

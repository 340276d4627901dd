using Canary.Router.Guard;
using CsCheck;

namespace Canary.Router.Tests.Guard;

public sealed class SequentialTestTests
{
    /// <summary>
    /// Mixture likelihood ratios computed independently with python3 (fractions.Fraction, exact): the product over the
    /// batches of Binomial(n, p1) / Binomial(n, p0) likelihoods, averaged over the nine effect sizes (odds multiples
    /// 1.25, 1.5, 2, 3, 5, 10, 30, 100, 1000 of the null's odds):
    /// <code>
    /// for g in effects: odds = p0/(1-p0)*g; p1 = odds/(1+odds); lr = prod((p1/p0)**k * ((1-p1)/(1-p0))**(n-k))
    /// </code>
    /// </summary>
    [Theory]
    [InlineData(new long[] { 100, 5 }, 0.05, 0.19832775685748658)]
    [InlineData(new long[] { 100, 10 }, 0.05, 2.1955644439573683)]
    [InlineData(new long[] { 40, 4, 60, 6, 25, 0 }, 0.05, 0.8111407704551197)]
    [InlineData(new long[] { 3, 3 }, 0.05, 1619.628591598773)]
    [InlineData(new long[] { 1000, 10 }, 0.01, 0.1343649981574186)]
    [InlineData(new long[] { 200, 30 }, 0.1, 2.506747286377334)]
    public void AddOneSample_Batches_MatchesIndependentTable(long[] batches, double nullRate, double expected)
    {
        var logs = new double[SequentialTest.Components];
        for (var i = 0; i < batches.Length; i += 2)
        {
            SequentialTest.AddOneSample(logs, batches[i], batches[i + 1], nullRate);
        }

        Assert.Equal(expected, Math.Exp(SequentialTest.LogMixture(logs)), expected * 1e-9);
    }

    /// <summary>
    /// Conditional binomial mixtures computed independently with python3 (fractions.Fraction, exact): per batch
    /// (nc, fc, ns, fs) the canary's share of the failures is th = r*nc/(r*nc+ns); the product over batches of
    /// (th1/th0)**fc * ((1-th1)/(1-th0))**fs with r0 the null ratio and r1 = r0*g, averaged over the nine effect sizes.
    /// </summary>
    [Theory]
    [InlineData(new long[] { 10, 1, 90, 9 }, 1.0, 0.37135294547207354)]
    [InlineData(new long[] { 10, 5, 90, 5 }, 1.0, 40.00474910490972)]
    [InlineData(new long[] { 25, 3, 225, 2, 25, 2, 225, 3 }, 5.0 / 3, 7.754483801198599)]
    [InlineData(new long[] { 1, 1, 9, 0, 1, 1, 9, 0, 1, 1, 9, 0 }, 5.0 / 3, 84.870074666909)]
    [InlineData(new long[] { 50, 50, 50, 0 }, 5.0 / 3, 3823307761.120574)]
    [InlineData(new long[] { 100, 0, 100, 7 }, 1.0, 0.07944239665937172)]
    public void AddTwoSample_Batches_MatchesIndependentTable(long[] batches, double nullRatio, double expected)
    {
        var logs = new double[SequentialTest.Components];
        for (var i = 0; i < batches.Length; i += 4)
        {
            SequentialTest.AddTwoSample(logs, batches[i], batches[i + 1], batches[i + 2], batches[i + 3], nullRatio);
        }

        Assert.Equal(expected, Math.Exp(SequentialTest.LogMixture(logs)), expected * 1e-9);
    }

    [Fact]
    public void AddTwoSample_OneSideWithoutTraffic_NoEvidence()
    {
        var logs = new double[SequentialTest.Components];
        SequentialTest.AddTwoSample(logs, 100, 100, 0, 0, 1);
        SequentialTest.AddTwoSample(logs, 0, 0, 100, 50, 1);

        Assert.All(logs, log => Assert.Equal(0, log));
    }

    [Fact]
    public void AddOneSample_ZeroCap_FirstEventIsConclusive()
    {
        var logs = new double[SequentialTest.Components];
        SequentialTest.AddOneSample(logs, 1000, 0, 0);
        Assert.Equal(0, SequentialTest.LogMixture(logs));

        SequentialTest.AddOneSample(logs, 1, 1, 0);
        Assert.Equal(double.PositiveInfinity, SequentialTest.LogMixture(logs));
    }

    /// <summary>
    /// By hand: from sums of 0.5 (the start-of-life prior), an interval with likelihood ratio 4 that ends at 60 s adds
    /// the prior mass of starts in (0, 60]: 0.5 * 60/120 = 0.25, so 0.5 * 4 + 0.25 = 2.25; a second interval with ratio
    /// 0.5 ending at 180 s: 2.25 * 0.5 + 0.5 * (180/240 - 60/120) = 1.125 + 0.125 = 1.25.
    /// </summary>
    [Fact]
    public void Restart_TwoIntervals_ByHand()
    {
        var sums = SequentialTest.Start();
        var interval = new double[SequentialTest.Components];
        interval.AsSpan().Fill(Math.Log(4));
        SequentialTest.Restart(sums, interval, 0, 60);
        Assert.All(sums, log => Assert.Equal(2.25, Math.Exp(log), 12));

        interval.AsSpan().Fill(Math.Log(0.5));
        SequentialTest.Restart(sums, interval, 60, 180);
        Assert.All(sums, log => Assert.Equal(1.25, Math.Exp(log), 12));
    }

    /// <summary>By hand: 1 + margin / max(maxRate - margin, stable's rate).</summary>
    [Theory]
    [InlineData(0.05, 0.02, 0.0, 5.0 / 3)]
    [InlineData(0.05, 0.02, 0.10, 1.2)]
    [InlineData(0.05, 0.0, 0.01, 1.0)]
    [InlineData(0.01, 0.02, 0.04, 1.5)]
    public void NullRatio_Margins_ByHand(double maxRate, double margin, double stableRate, double expected) =>
        Assert.Equal(expected, SequentialTest.NullRatio(maxRate, margin, stableRate), 12);

    /// <summary>By hand: 0.1 ln(0.1/0.05) + 0.9 ln(0.9/0.95) = 0.0206529...</summary>
    [Fact]
    public void BernoulliDivergence_ByHand() =>
        Assert.Equal((0.1 * Math.Log(2)) + (0.9 * Math.Log(0.9 / 0.95)), SequentialTest.BernoulliDivergence(0.1, 0.05), 15);

    /// <summary>
    /// Property: whenever the canary's share of an interval's failures is no larger than its share of the traffic
    /// (in particular when both versions' counts are identical), the comparison's evidence never rises above 1, so the
    /// guard never blames a canary that does as well as stable, however the counts arrive.
    /// </summary>
    [Fact]
    public void AddTwoSample_CanaryNoWorseInEveryInterval_EvidenceNeverAboveOne()
    {
        var interval = Gen.Select(Gen.Int[1, 5000], Gen.Int[1, 5000], Gen.Double[0, 1], Gen.Int[0, 300])
            .Select(t =>
            {
                var (canaryTrials, stableTrials, share, failures) = t;
                var traffic = (double)canaryTrials / (canaryTrials + stableTrials);
                var canaryFailures = Math.Min(canaryTrials, (long)Math.Floor(failures * traffic * share));
                var stableFailures = Math.Min(stableTrials, failures - canaryFailures);
                return (canaryTrials, canaryFailures, stableTrials, stableFailures);
            })
            .Where(b => b.canaryFailures * (b.canaryTrials + b.stableTrials) <= (b.canaryFailures + b.stableFailures) * (long)b.canaryTrials);
        var identical = Gen.Select(Gen.Int[0, 5000], Gen.Int[0, 300]).Select(t => ((int)t.Item1, (long)Math.Min(t.Item1, t.Item2), t.Item1, (long)Math.Min(t.Item1, t.Item2)));

        Gen.OneOf(interval, identical).Array[1, 200].Select(Gen.Double[1, 3]).Sample((stream, nullRatio) =>
        {
            var logs = new double[SequentialTest.Components];
            foreach (var (canaryTrials, canaryFailures, stableTrials, stableFailures) in stream)
            {
                SequentialTest.AddTwoSample(logs, canaryTrials, canaryFailures, stableTrials, stableFailures, nullRatio);
                Assert.True(SequentialTest.LogMixture(logs) <= 1e-12);
            }
        }, iter: 2000);
    }

    [Fact]
    public void EventEvidence_IntervalsWithOneVersionOnly_ComparedOnceBothHaveTraffic()
    {
        // One canary failure with no stable traffic yet, then stable's 9 clean requests: together one interval of
        // 1 of 1 canary against 0 of 9 stable, as the table's row (1, 1, 9, 0) at null ratio 5/3.
        // At age 0 no later start has prior mass yet: the comparison is the from-the-start half of the prior times the ratio.
        var evidence = EventEvidence.None
            .Add(new EventCounts(1, 1), default, 0.05, 0.02, age: 0)
            .Add(default, new EventCounts(9, 0), 0.05, 0.02, age: 0);

        var logs = new double[SequentialTest.Components];
        SequentialTest.AddTwoSample(logs, 1, 1, 9, 0, 5.0 / 3);
        Assert.Equal(SequentialTest.FromStartWeight * Math.Exp(SequentialTest.LogMixture(logs)), evidence.Compared, 12);
        Assert.Equal(default, evidence.PendingCanary);
        Assert.Equal(9, evidence.StableTrials);
    }

    /// <summary>Property: identical counts on both sides never add up to a breach, whatever the caps.</summary>
    [Fact]
    public void EventEvidence_IdenticalVersions_NeverEnoughWhileStableCompared()
    {
        Gen.Select(Gen.Int[0, 2000], Gen.Int[0, 100]).Array[1, 300].Select(Gen.Double[0, 0.2], Gen.Double[0, 0.1]).Sample((stream, maxRate, margin) =>
        {
            var evidence = EventEvidence.None;
            var age = 0.0;
            foreach (var (trials, failures) in stream)
            {
                var events = Math.Min(trials, failures);
                evidence = evidence.Add(new EventCounts(trials, events), new EventCounts(trials, events), maxRate, margin, age += 1);
                Assert.True(evidence.Against(compareWithStable: true) <= 1 + 1e-9);
            }
        }, iter: 2000);
    }
}

namespace Canary.Router.Guard;

/// <summary>
/// The evidence, over the canary's life so far, that one kind of event (failures, or slow responses) happens to the
/// canary more than allowed: an absolute test against a rate cap and a comparison with stable, each a mixture
/// likelihood ratio of <see cref="SequentialTest"/>. Immutable: <see cref="Add"/> returns the evidence after one more
/// interval of counts, so a verdict is a pure function of what it is given.
/// </summary>
internal sealed class EventEvidence
{
    private readonly double[] _absolute;
    private readonly double[] _compared;

    private EventEvidence(double[] absolute, double[] compared, long stableTrials, long stableEvents)
    {
        _absolute = absolute;
        _compared = compared;
        StableTrials = stableTrials;
        StableEvents = stableEvents;
    }

    /// <summary>No evidence yet: every likelihood ratio at 1.</summary>
    public static EventEvidence None { get; } = new(new double[SequentialTest.Components], new double[SequentialTest.Components], 0, 0);

    /// <summary>Stable's trials since the canary's life began (stable's rate sets the comparison's null ratio).</summary>
    public long StableTrials { get; }

    public long StableEvents { get; }

    /// <summary>Likelihood ratio for "canary's rate above the cap".</summary>
    public double Absolute => Math.Exp(SequentialTest.LogMixture(_absolute));

    /// <summary>Likelihood ratio for "canary's rate above stable's by more than the margin".</summary>
    public double Compared => Math.Exp(SequentialTest.LogMixture(_compared));

    /// <summary>
    /// The evidence a rollback needs to reach its threshold: both tests while stable has traffic to compare with
    /// (a shared dependency failing both versions is not the canary's fault), the absolute test alone otherwise.
    /// Requiring both keeps each one's bound: the canary is cleared if either null holds.
    /// </summary>
    public double Against(bool compareWithStable) => compareWithStable ? Math.Min(Absolute, Compared) : Absolute;

    /// <param name="maxRate">The cap: the canary is not blamed at or below it.</param>
    /// <param name="margin">How far above stable's rate the canary may be.</param>
    public EventEvidence Add(long canaryTrials, long canaryEvents, long stableTrials, long stableEvents, double maxRate, double margin)
    {
        if (canaryTrials == 0 && stableTrials == 0)
        {
            return this;
        }

        var absolute = (double[])_absolute.Clone();
        SequentialTest.AddOneSample(absolute, canaryTrials, canaryEvents, maxRate);

        // Stable's rate from before this interval only, so the null ratio is fixed before its counts are seen.
        var stableRate = StableTrials == 0 ? 0 : (double)StableEvents / StableTrials;
        var compared = (double[])_compared.Clone();
        SequentialTest.AddTwoSample(compared, canaryTrials, canaryEvents, stableTrials, stableEvents, SequentialTest.NullRatio(maxRate, margin, stableRate));
        return new EventEvidence(absolute, compared, StableTrials + stableTrials, StableEvents + stableEvents);
    }
}

namespace Canary.Router.Guard;

/// <summary>
/// The evidence, over the canary's life so far, that one kind of event (failures, or slow responses) happens to the
/// canary more than allowed: an absolute test against a rate cap and a comparison with stable, each a mixture of
/// <see cref="SequentialTest"/>'s likelihood ratios over effect sizes and over when the trouble began
/// (<see cref="SequentialTest.Restart"/>), so a canary that breaks after an hour of health is caught as quickly as one
/// broken from the start. Immutable: <see cref="Add"/> returns the evidence after one more interval of counts, so a
/// verdict is a pure function of what it is given.
/// </summary>
internal sealed class EventEvidence
{
    private readonly double[] _absolute;
    private readonly double[] _compared;

    private EventEvidence(double[] absolute, double[] compared, double absoluteAge, double comparedAge, EventCounts pendingCanary, EventCounts pendingStable, long stableTrials, long stableEvents)
    {
        _absolute = absolute;
        _compared = compared;
        AbsoluteAge = absoluteAge;
        ComparedAge = comparedAge;
        PendingCanary = pendingCanary;
        PendingStable = pendingStable;
        StableTrials = stableTrials;
        StableEvents = stableEvents;
    }

    /// <summary>No evidence yet.</summary>
    public static EventEvidence None { get; } = new(SequentialTest.Start(), SequentialTest.Start(), 0, 0, default, default, 0, 0);

    /// <summary>The canary's age (seconds into its life) at the last interval each test took in.</summary>
    public double AbsoluteAge { get; }

    public double ComparedAge { get; }

    /// <summary>
    /// Counts not yet in the comparison: the intervals since one version last had traffic. The loop looks every 100 ms
    /// and on every failure, so at low traffic an interval often holds one version only, which on its own carries no
    /// evidence; the comparison takes such intervals together with the next until both versions have had trials.
    /// Where an interval ends depends on traffic and failures, never on which version failed, so the conditional test
    /// stays exact.
    /// </summary>
    public EventCounts PendingCanary { get; }

    public EventCounts PendingStable { get; }

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

    /// <param name="canary">The canary's trials and events in the interval.</param>
    /// <param name="stable">Stable's.</param>
    /// <param name="maxRate">The cap: the canary is not blamed at or below it.</param>
    /// <param name="margin">How far above stable's rate the canary may be.</param>
    /// <param name="age">Seconds since the canary's life began, at the end of the interval.</param>
    public EventEvidence Add(EventCounts canary, EventCounts stable, double maxRate, double margin, double age)
    {
        if (canary.Trials == 0 && stable.Trials == 0)
        {
            return this;
        }

        Span<double> interval = stackalloc double[SequentialTest.Components];
        var absolute = (double[])_absolute.Clone();
        SequentialTest.AddOneSample(interval, canary.Trials, canary.Events, maxRate);
        SequentialTest.Restart(absolute, interval, AbsoluteAge, age);

        var pendingCanary = PendingCanary.Plus(canary);
        var pendingStable = PendingStable.Plus(stable);
        if (pendingCanary.Trials == 0 || pendingStable.Trials == 0)
        {
            return new EventEvidence(absolute, _compared, age, ComparedAge, pendingCanary, pendingStable, StableTrials, StableEvents);
        }

        // Stable's rate from before these intervals only, so the null ratio is fixed before their counts are seen.
        var stableRate = StableTrials == 0 ? 0 : (double)StableEvents / StableTrials;
        interval.Clear();
        SequentialTest.AddTwoSample(interval, pendingCanary.Trials, pendingCanary.Events, pendingStable.Trials, pendingStable.Events,
            SequentialTest.NullRatio(maxRate, margin, stableRate));
        var compared = (double[])_compared.Clone();
        SequentialTest.Restart(compared, interval, ComparedAge, age);
        return new EventEvidence(absolute, compared, age, age, default, default, StableTrials + pendingStable.Trials, StableEvents + pendingStable.Events);
    }
}

/// <summary>One version's trials and events (failures, or slow responses) in an interval.</summary>
internal readonly record struct EventCounts(long Trials, long Events)
{
    public EventCounts Plus(EventCounts other) => new(Trials + other.Trials, Events + other.Events);
}

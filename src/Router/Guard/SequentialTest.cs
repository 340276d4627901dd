namespace Canary.Router.Guard;

/// <summary>
/// The guard's statistics: mixture likelihood ratios (e-processes) that stay nonnegative supermartingales while the
/// canary is no worse than allowed, so by Ville's inequality the chance they ever reach <c>T</c> is at most <c>1/T</c>,
/// however often they are looked at and however the traffic moves (Johari et al., "Always Valid Inference"; Lindon,
/// Sanden, Shirikian, KDD 2022). Pure functions over counts; <see cref="EventEvidence"/> carries the running logs.
/// </summary>
/// <remarks>
/// Each mixture puts equal weight on a few effect sizes, from a quarter above the null to a thousandfold: a dead canary
/// is caught after a handful of failures by the large ones, a doubled error rate by the small ones, at the price of
/// ln(<see cref="Components"/>) nats of evidence.
/// </remarks>
internal static class SequentialTest
{
    /// <summary>The largest null rate ratio used: past it the comparison carries no evidence at all.</summary>
    private const double MaxNullRatio = 1e9;

    private static readonly double[] EffectSizes = [1.25, 1.5, 2, 3, 5, 10, 30, 100, 1000];

    /// <summary>How many effect sizes each mixture holds.</summary>
    public static int Components => EffectSizes.Length;

    /// <summary>The effect size of component <paramref name="index"/>: a multiple of the null's odds (one sample) or rate ratio (two samples).</summary>
    public static double Effect(int index) => EffectSizes[index];

    /// <summary>
    /// One sample against a fixed rate: <paramref name="events"/> of <paramref name="trials"/> Bernoulli trials, null
    /// "rate at most <paramref name="nullRate"/>", component j's alternative the rate whose odds are Effect(j) times the
    /// null's. Adds each component's log likelihood ratio to <paramref name="logs"/>. For any true rate at or below the
    /// null each factor has expectation at most 1 (it is linear in the rate and equals 1 at the null).
    /// </summary>
    public static void AddOneSample(Span<double> logs, long trials, long events, double nullRate)
    {
        if (trials <= 0 || nullRate >= 1)
        {
            return;
        }

        if (nullRate <= 0)
        {
            // Any event at all refutes a zero rate.
            if (events > 0)
            {
                logs.Fill(double.PositiveInfinity);
            }

            return;
        }

        var nullOdds = nullRate / (1 - nullRate);
        for (var j = 0; j < logs.Length; j++)
        {
            var odds = nullOdds * EffectSizes[j];
            var rate = odds / (1 + odds);
            logs[j] += (events * Math.Log(rate / nullRate)) + ((trials - events) * Math.Log((1 - rate) / (1 - nullRate)));
        }
    }

    /// <summary>
    /// Two samples, conditional on the events: given that <c>canaryEvents + stableEvents</c> events happened, which
    /// version each fell on is binomial with canary share <c>r·nc / (r·nc + ns)</c>, where nc and ns are the two
    /// versions' trials (the traffic split the events are judged against) and r is the canary's rate over stable's.
    /// The null is r at most <paramref name="nullRatio"/>; component j's alternative is r = nullRatio·Effect(j).
    /// Stable's unknown rate cancels, and the share follows the traffic as it is, so weight changes need no correction.
    /// Traffic on one side only carries no evidence (both shares are 0 or 1).
    /// </summary>
    public static void AddTwoSample(Span<double> logs, long canaryTrials, long canaryEvents, long stableTrials, long stableEvents, double nullRatio)
    {
        var events = canaryEvents + stableEvents;
        if (events == 0 || canaryTrials <= 0 || stableTrials <= 0)
        {
            return;
        }

        var r0 = Math.Min(nullRatio, MaxNullRatio);
        var nullTotal = (r0 * canaryTrials) + stableTrials;
        for (var j = 0; j < logs.Length; j++)
        {
            var r = r0 * EffectSizes[j];
            logs[j] += (canaryEvents * Math.Log(EffectSizes[j])) + (events * Math.Log(nullTotal / ((r * canaryTrials) + stableTrials)));
        }
    }

    /// <summary>Half the prior on "the canary was bad from its first request".</summary>
    public const double FromStartWeight = 0.5;

    /// <summary>The other half spread over when it turned bad: t/(t + this) of it by t seconds (a median of a minute).</summary>
    public const double StartScaleSeconds = 60;

    /// <summary>The running sums of a new life: only the start-of-life prior.</summary>
    public static double[] Start()
    {
        var logs = new double[Components];
        logs.AsSpan().Fill(Math.Log(FromStartWeight));
        return logs;
    }

    /// <summary>
    /// One more interval into running sums over start times (Shiryaev-Roberts style, made a supermartingale by the
    /// prior): each component's sum is its likelihood ratio from each possible start, weighted by the prior on that
    /// start, so <c>sum' = sum * L + prior mass of starts in (from, to]</c>. A mixture of supermartingales that each
    /// start at 1 with total weight 1 is one: Ville's bound holds as before, and evidence against a healthy past no
    /// longer hides a canary that breaks later. Starts inside the interval skip its evidence, which only errs safe.
    /// </summary>
    /// <param name="logSums">Each component's log running sum, updated in place.</param>
    /// <param name="interval">Each component's log likelihood ratio for the interval.</param>
    /// <param name="from">The canary's age (seconds) when the interval began.</param>
    /// <param name="to">Its age when the interval ended.</param>
    public static void Restart(Span<double> logSums, ReadOnlySpan<double> interval, double from, double to)
    {
        var mass = (1 - FromStartWeight) * ((to / (to + StartScaleSeconds)) - (from / (from + StartScaleSeconds)));
        var logMass = mass > 0 ? Math.Log(mass) : double.NegativeInfinity;
        for (var j = 0; j < logSums.Length; j++)
        {
            var carried = logSums[j] + interval[j];
            logSums[j] = LogAdd(double.IsNaN(carried) ? double.NegativeInfinity : carried, logMass);
        }
    }

    /// <summary>The log of the equally weighted mixture of the components' likelihood ratios.</summary>
    public static double LogMixture(ReadOnlySpan<double> logs)
    {
        var max = double.NegativeInfinity;
        foreach (var log in logs)
        {
            max = Math.Max(max, log);
        }

        if (double.IsPositiveInfinity(max) || double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        foreach (var log in logs)
        {
            sum += Math.Exp(log - max);
        }

        return max + Math.Log(sum / logs.Length);
    }

    /// <summary>
    /// The rate ratio a canary within the margin can have where the absolute test cannot clear it. Rollback needs the
    /// canary above <paramref name="maxRate"/> AND above stable by more than <paramref name="margin"/>: a canary inside
    /// the second null but outside the first has rate c > maxRate and stable s >= c - margin, so c/s is at most
    /// 1 + margin / max(maxRate - margin, s). <paramref name="stableRate"/> is stable's rate measured before the interval;
    /// the ratio is at least 1, so a canary that matches stable is covered exactly whatever it is.
    /// </summary>
    public static double NullRatio(double maxRate, double margin, double stableRate)
    {
        if (margin <= 0)
        {
            return 1;
        }

        var floor = Math.Max(maxRate - margin, stableRate);
        return floor <= 0 ? MaxNullRatio : Math.Min(1 + (margin / floor), MaxNullRatio);
    }

    private static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a))
        {
            return b;
        }

        if (double.IsNegativeInfinity(b) || double.IsPositiveInfinity(a))
        {
            return a;
        }

        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    /// <summary>Kullback-Leibler divergence of Bernoulli(p) from Bernoulli(q), in nats.</summary>
    public static double BernoulliDivergence(double p, double q)
    {
        double Term(double a, double b) => a <= 0 ? 0 : a * Math.Log(a / b);
        return q <= 0 || q >= 1 ? double.PositiveInfinity : Term(p, q) + Term(1 - p, 1 - q);
    }
}

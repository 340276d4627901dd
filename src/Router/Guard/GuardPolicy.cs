using System.Globalization;
using Canary.Router.Configuration;
using Canary.Router.Metrics;

namespace Canary.Router.Guard;

/// <summary>The guard's evidence over a canary's life: failures and slow responses.</summary>
internal sealed record GuardEvidence(EventEvidence Errors, EventEvidence Slow)
{
    public static GuardEvidence None { get; } = new(EventEvidence.None, EventEvidence.None);
}

/// <summary>
/// The guard's decisions, pure functions of its options, its evidence and the window's figures. The canary is rolled
/// back once the evidence that it fails (or is slow) more than allowed reaches 2 / FalseRollbackRate: by Ville's
/// inequality a canary that is as good as stable gets there with probability at most FalseRollbackRate over its whole
/// life (half the bound for errors, half for latency), however often it is judged.
/// </summary>
/// <remarks>
/// "More than allowed" for errors: above MaxErrorRate AND above stable's rate by more than MaxErrorRateAboveStable
/// (a shared dependency failing both versions is not the canary's fault); when stable has too little traffic in the
/// window to compare with (blue-green at 100%), above MaxErrorRate alone. For latency the same with a slow share of
/// <see cref="SlowShare"/> (a p99 over MaxP99Ms) and no margin over stable.
/// </remarks>
internal static class GuardPolicy
{
    /// <summary>MaxP99Ms read as a rate: at most 1% of responses' headers later than it.</summary>
    public const double SlowShare = 0.01;

    /// <summary>The likelihood ratio a rollback needs.</summary>
    public static double Needed(GuardOptions options) => 2 / options.FalseRollbackRate;

    /// <summary>The evidence after one more interval; <paramref name="canary"/> and <paramref name="stable"/> are that interval's counts.</summary>
    /// <param name="age">Seconds since the canary's life began, at the end of the interval.</param>
    public static GuardEvidence Add(GuardOptions options, GuardEvidence evidence, CountSnapshot canary, CountSnapshot stable, double age) => new(
        evidence.Errors.Add(new EventCounts(canary.Requests, canary.Failures), new EventCounts(stable.Requests, stable.Failures),
            options.MaxErrorRate, options.MaxErrorRateAboveStable, age),
        evidence.Slow.Add(new EventCounts(canary.Samples, canary.Slow), new EventCounts(stable.Samples, stable.Slow), SlowShare, 0, age));

    /// <param name="canary">The canary's figures over the last WindowSeconds (traffic, for what is shown and the estimates).</param>
    /// <param name="stable">Stable's figures over the same window.</param>
    public static GuardVerdict Judge(GuardOptions options, GuardEvidence evidence, CountSnapshot canary, CountSnapshot stable)
    {
        var needed = Needed(options);
        var compareErrors = Comparable(options, canary.Requests, stable.Requests);
        var errors = evidence.Errors.Against(compareErrors);
        var slow = evidence.Slow.Against(Comparable(options, canary.Samples, stable.Samples));
        var detect = SecondsToDetectDoubled(options, canary, stable, compareErrors);
        var evidenceText = Format($"error evidence {Ratio(errors)} of {Ratio(needed)} needed, slow-response evidence {Ratio(slow)} of {Ratio(needed)}");
        var figures = Format($"in {options.WindowSeconds}s canary {canary.Failures} of {canary.Requests} failed ({canary.ErrorRate:0.###}: {canary.ServerErrors} 5xx, {canary.TransportErrors} transport, {canary.GrpcErrors} gRPC), {canary.Slow} of {canary.Samples} slow; stable {stable.Failures} of {stable.Requests} failed ({stable.ErrorRate:0.###}), {stable.Slow} of {stable.Samples} slow");
        var versus = compareErrors
            ? Format($"MaxErrorRate {options.MaxErrorRate} and stable's rate + MaxErrorRateAboveStable {options.MaxErrorRateAboveStable}")
            : Format($"MaxErrorRate {options.MaxErrorRate} alone (stable served {stable.Requests} requests in {options.WindowSeconds}s, fewer than MinRequests {options.MinRequests} and than the canary: too few to compare)");
        GuardVerdict Verdict(VerdictKind kind, string? reason, string explanation) =>
            new(kind, reason, explanation, canary, stable, errors, slow, needed, compareErrors, detect);

        var breach = Breach(options, evidence, canary, stable);
        if (breach == GuardVerdict.ErrorRateReason)
        {
            return Verdict(VerdictKind.Breach, GuardVerdict.ErrorRateReason,
                Format($"canary fails more than allowed ({versus}): {evidenceText}; {figures}"));
        }

        if (breach == GuardVerdict.LatencyReason)
        {
            return Verdict(VerdictKind.Breach, GuardVerdict.LatencyReason,
                Format($"canary's responses slower than allowed (more than {SlowShare:0.##} of headers later than MaxP99Ms {options.MaxP99Ms} ms, and more than stable's): {evidenceText}; {figures}"));
        }

        var power = detect is { } seconds
            ? Format($"at the current traffic a doubled error rate takes about {Seconds(seconds)} to detect")
            : "no canary traffic: nothing can be detected";
        if (canary.Requests < options.MinRequests)
        {
            return Verdict(VerdictKind.Inconclusive, null,
                Format($"too little data: canary served {canary.Requests} requests in {options.WindowSeconds}s, fewer than MinRequests {options.MinRequests}; {evidenceText}; {power}"));
        }

        return Verdict(VerdictKind.Healthy, null, Format($"no evidence against the canary ({versus}): {evidenceText}; {figures}; {power}"));
    }

    /// <summary>The rule itself, without the words: the reason a rollback is due, or null.</summary>
    public static string? Breach(GuardOptions options, GuardEvidence evidence, CountSnapshot canary, CountSnapshot stable)
    {
        var needed = Needed(options);
        return evidence.Errors.Against(Comparable(options, canary.Requests, stable.Requests)) >= needed ? GuardVerdict.ErrorRateReason
            : evidence.Slow.Against(Comparable(options, canary.Samples, stable.Samples)) >= needed ? GuardVerdict.LatencyReason
            : null;
    }

    /// <summary>
    /// Whether stable served enough in the window to compare with: MinRequests, or at least as much as the canary (so
    /// a shared outage in a router's first seconds is still not blamed on the canary). Blue-green at 100% is not.
    /// </summary>
    public static bool Comparable(GuardOptions options, long canary, long stable) => stable > 0 && stable >= Math.Min(options.MinRequests, canary);

    /// <summary>
    /// About how long the window's traffic needs to detect a canary failing at twice the rate it is allowed: the
    /// evidence needed (with the mixture's share of it) over the expected log likelihood ratio gained per second,
    /// for each test a rollback needs. Null when the canary has no traffic or nothing can be doubled.
    /// </summary>
    public static double? SecondsToDetectDoubled(GuardOptions options, CountSnapshot canary, CountSnapshot stable, bool compare)
    {
        var canaryPerSecond = (double)canary.Requests / options.WindowSeconds;
        var stablePerSecond = (double)stable.Requests / options.WindowSeconds;
        var stableRate = stable.ErrorRate;
        var allowed = compare ? Math.Max(options.MaxErrorRate, stableRate + options.MaxErrorRateAboveStable) : options.MaxErrorRate;
        var doubled = Math.Min(1, 2 * allowed);
        if (canaryPerSecond <= 0 || doubled <= allowed)
        {
            return null;
        }

        var logNeeded = Math.Log(Needed(options) * SequentialTest.Components);
        var seconds = options.MaxErrorRate <= 0
            ? 1 / (canaryPerSecond * doubled) // The first failure is conclusive.
            : logNeeded / (canaryPerSecond * SequentialTest.BernoulliDivergence(doubled, options.MaxErrorRate));
        if (compare)
        {
            var nullRatio = SequentialTest.NullRatio(options.MaxErrorRate, options.MaxErrorRateAboveStable, stableRate);
            var nullShare = nullRatio * canaryPerSecond / ((nullRatio * canaryPerSecond) + stablePerSecond);
            var failuresPerSecond = (canaryPerSecond * doubled) + (stablePerSecond * stableRate);
            var share = canaryPerSecond * doubled / failuresPerSecond;
            if (share <= nullShare)
            {
                return null;
            }

            var divergence = share >= 1 ? -Math.Log(nullShare) : SequentialTest.BernoulliDivergence(share, nullShare);
            seconds = Math.Max(seconds, logNeeded / (failuresPerSecond * divergence));
        }

        return seconds;
    }

    private static string Ratio(double ratio) => ratio < 1000 ? Format($"{ratio:0.##}") : Format($"{ratio:0.##e+0}");

    private static string Seconds(double seconds) => seconds switch
    {
        < 60 => Format($"{Math.Max(1, Math.Ceiling(seconds)):0} s"),
        < 3600 => Format($"{Math.Ceiling(seconds / 60):0} min"),
        _ => Format($"{seconds / 3600:0.#} h"),
    };

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

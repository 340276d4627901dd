using System.Globalization;
using Canary.Router.Configuration;

namespace Canary.Router.Guard;

/// <summary>
/// The guard's verdict, a pure function of its thresholds and the two versions' window figures.
/// The canary is blamed for errors only when its error rate is above <see cref="GuardOptions.MaxErrorRate"/> and,
/// when stable has enough traffic to compare with, above stable's by more than
/// <see cref="GuardOptions.MaxErrorRateAboveStable"/>: a shared dependency failing both versions is not the canary's fault.
/// </summary>
internal static class GuardPolicy
{
    /// <summary>
    /// The verdict over the window, or a breach of the error thresholds in the current second alone (which needs
    /// MinRequests canary requests in that second too). Under heavy traffic a canary that starts failing is then
    /// caught after about MinRequests failures, not after enough failures to move a whole window's rate.
    /// </summary>
    public static GuardVerdict Judge(GuardOptions options, WindowFigures canary, WindowFigures stable, WindowFigures recentCanary, WindowFigures recentStable)
    {
        var verdict = Judge(options, canary, stable);
        if (verdict.Kind == VerdictKind.Breach)
        {
            return verdict;
        }

        // Stable is compared over the window when the second alone holds too little of it: a dependency failing both
        // versions must not be blamed on the canary because a second boundary split stable's traffic.
        var comparedStable = recentStable.Requests >= options.MinRequests ? recentStable : stable;
        var recent = Judge(options with { WindowSeconds = 1 }, recentCanary, comparedStable);
        return recent.Kind == VerdictKind.Breach && recent.Reason == GuardVerdict.ErrorRateReason ? recent : verdict;
    }

    public static GuardVerdict Judge(GuardOptions options, WindowFigures canary, WindowFigures stable)
    {
        if (canary.Requests < options.MinRequests)
        {
            return new GuardVerdict(VerdictKind.Inconclusive, null,
                Format($"canary served {canary.Requests} requests in {options.WindowSeconds}s, fewer than MinRequests {options.MinRequests}"),
                canary, stable);
        }

        var stableComparable = stable.Requests >= options.MinRequests;
        if (canary.ErrorRate > options.MaxErrorRate
            && (!stableComparable || canary.ErrorRate - stable.ErrorRate > options.MaxErrorRateAboveStable + 1e-9)) // "more than", not rounding noise
        {
            var versus = stableComparable
                ? Format($"; stable {stable.ErrorRate:0.###} ({stable.Failures} of {stable.Requests}), margin MaxErrorRateAboveStable {options.MaxErrorRateAboveStable}")
                : "; stable has too little traffic to compare";
            return new GuardVerdict(VerdictKind.Breach, GuardVerdict.ErrorRateReason,
                Format($"canary error rate {canary.ErrorRate:0.###} ({canary.Failures} of {canary.Requests} in {options.WindowSeconds}s: {canary.ServerErrors} 5xx, {canary.TransportErrors} transport) above MaxErrorRate {options.MaxErrorRate}") + versus,
                canary, stable);
        }

        if (canary.P99Ms > options.MaxP99Ms)
        {
            return new GuardVerdict(VerdictKind.Breach, GuardVerdict.LatencyReason,
                Format($"canary p99 {canary.P99Ms:0.#} ms over {canary.Requests} requests in {options.WindowSeconds}s above MaxP99Ms {options.MaxP99Ms}; stable p99 {stable.P99Ms:0.#} ms"),
                canary, stable);
        }

        return new GuardVerdict(VerdictKind.Healthy, null,
            Format($"canary error rate {canary.ErrorRate:0.###} over {canary.Requests} requests, p99 {canary.P99Ms:0.#} ms: within thresholds"),
            canary, stable);
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using Canary.Router.Configuration;
using Canary.Router.Metrics;

namespace Canary.Bench.GuardSim;

/// <summary>
/// The baseline: the guard's error rule before the sequential tests (GuardPolicy at commit 0e5e915), rebuilt here
/// faithfully and kept only in the simulation. A breach over the window (canary at least MinRequests, error rate above
/// MaxErrorRate and, when stable has MinRequests, above stable's by more than MaxErrorRateAboveStable), or the same in
/// the current second alone, compared with stable's second when it holds MinRequests and stable's window otherwise.
/// </summary>
internal static class OldRule
{
    public static bool Breach(GuardOptions options, CountSnapshot canary, CountSnapshot stable, CountSnapshot recentCanary, CountSnapshot recentStable) =>
        Judge(options, canary, stable)
        || Judge(options, recentCanary, recentStable.Requests >= options.MinRequests ? recentStable : stable);

    private static bool Judge(GuardOptions options, CountSnapshot canary, CountSnapshot stable)
    {
        if (canary.Requests < options.MinRequests)
        {
            return false;
        }

        var stableComparable = stable.Requests >= options.MinRequests;
        return canary.ErrorRate > options.MaxErrorRate
            && (!stableComparable || canary.ErrorRate - stable.ErrorRate > options.MaxErrorRateAboveStable + 1e-9);
    }
}

using Canary.Router.Metrics;

namespace Canary.Router.Guard;

internal enum VerdictKind
{
    /// <summary>Too little canary traffic in the window to call it healthy: nothing moves.</summary>
    Inconclusive,

    Healthy,

    /// <summary>The evidence against the canary reached what a rollback needs: the canary is rolled back.</summary>
    Breach,
}

/// <summary>
/// A verdict, the evidence behind it and the window's figures; <see cref="Reason"/> is the <c>canary_rollbacks_total</c>
/// reason label.
/// </summary>
/// <param name="ErrorEvidence">The likelihood ratio that the canary fails more than allowed (1: no evidence either way).</param>
/// <param name="SlowEvidence">The likelihood ratio that more of the canary's responses are slow than allowed.</param>
/// <param name="Needed">The likelihood ratio a rollback needs: 2 / FalseRollbackRate (the bound is split between errors and latency).</param>
/// <param name="ComparedWithStable">Whether stable had the traffic to compare with; if not, the canary is judged against the caps alone.</param>
/// <param name="SecondsToDetectDoubled">About how long the current traffic needs to detect a doubled error rate; null without canary traffic.</param>
internal sealed record GuardVerdict(
    VerdictKind Kind, string? Reason, string Explanation, CountSnapshot Canary, CountSnapshot Stable,
    double ErrorEvidence, double SlowEvidence, double Needed, bool ComparedWithStable, double? SecondsToDetectDoubled)
{
    public const string ErrorRateReason = "guard_error_rate";
    public const string LatencyReason = "guard_latency";
}

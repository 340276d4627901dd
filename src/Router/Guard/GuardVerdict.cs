namespace Canary.Router.Guard;

internal enum VerdictKind
{
    /// <summary>Too little canary traffic in the window to judge: nothing moves.</summary>
    Inconclusive,

    Healthy,

    /// <summary>A threshold was crossed: the canary is rolled back.</summary>
    Breach,
}

/// <summary>A verdict and the figures behind it; <see cref="Reason"/> is the <c>canary_rollbacks_total</c> reason label.</summary>
internal sealed record GuardVerdict(VerdictKind Kind, string? Reason, string Explanation, WindowFigures Canary, WindowFigures Stable)
{
    public const string ErrorRateReason = "guard_error_rate";
    public const string LatencyReason = "guard_latency";
}

namespace Canary.Router.Routing;

/// <summary>Why a request went to its version; exported in traces as <c>canary.reason</c>.</summary>
internal enum CohortReason
{
    /// <summary>No canary is in play: everyone is on stable.</summary>
    Stable,

    /// <summary>A segment matched.</summary>
    Segment,

    /// <summary>The user's bucket against the weight.</summary>
    Weight,

    /// <summary>A signed preview cookie an operator's link set.</summary>
    Preview,
}

/// <summary>The version one request goes to, and why.</summary>
internal readonly record struct CohortDecision(string Version, CohortReason Reason, string? Segment = null, int Bucket = -1);

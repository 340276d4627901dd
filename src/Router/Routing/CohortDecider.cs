using Canary.Router.State;

namespace Canary.Router.Routing;

/// <summary>
/// The per-request decision, a pure function of the release state and the request: a signed preview cookie first
/// (an operator's link), then segments (first match wins), then the user's bucket against the weight. It allocates
/// nothing, but for a preview of a version that is neither stable nor canary.
/// </summary>
internal static class CohortDecider
{
    /// <param name="previews">The router's preview links; without them (a test of the rest) no preview cookie counts.</param>
    public static CohortDecision Decide(ReleaseState state, HttpContext context, ReadOnlySpan<char> userKey, PreviewLinks? previews = null, TimeProvider? time = null) =>
        (previews is not null && previews.TryMatch(state, context, time ?? TimeProvider.System, out var decision)) || TryMatchSegment(state, context, out decision)
            ? decision
            : ByWeight(state, userKey);

    /// <summary>The decisions that come before the weight: the access-controlled preview cookie, then the opt-in segments.</summary>
    public static bool TryMatchPreviewOrSegment(ReleaseState state, HttpContext context, PreviewLinks previews, TimeProvider time, out CohortDecision decision) =>
        previews.TryMatch(state, context, time, out decision) || TryMatchSegment(state, context, out decision);

    public static bool TryMatchSegment(ReleaseState state, HttpContext context, out CohortDecision decision)
    {
        var segments = state.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (state.IsActive(segment) && RequestValues.AnyIn(context, segment.Source, segment.Values))
            {
                decision = new CohortDecision(segment.Version, CohortReason.Segment, segment.Name);
                return true;
            }
        }

        decision = default;
        return false;
    }

    /// <summary>Canary when the user's bucket is below the weight; without a key (nothing to be sticky on) stable.</summary>
    public static CohortDecision ByWeight(ReleaseState state, ReadOnlySpan<char> userKey)
    {
        if (state.Canary is null)
        {
            return new CohortDecision(state.Stable, CohortReason.Stable);
        }

        if (state.CanaryBuckets >= ReleaseState.BucketCount)
        {
            return new CohortDecision(state.Canary, CohortReason.Weight);
        }

        if (state.CanaryBuckets <= 0 || userKey.IsEmpty)
        {
            return new CohortDecision(state.Stable, CohortReason.Weight);
        }

        var bucket = StableBucket.Of(state.Name, userKey);
        return new CohortDecision(bucket < state.CanaryBuckets ? state.Canary : state.Stable, CohortReason.Weight, Bucket: bucket);
    }
}

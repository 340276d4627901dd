using Canary.Router.Configuration;

namespace Canary.Router.State;

/// <summary>
/// How router.json and the running (or persisted) state combine, a pure function used on hot reload and at start:
/// <list type="bullet">
/// <item>router.json names other versions (a new canary, another stable): the file wins and the release starts over.</item>
/// <item>Same versions: the operator's state (weight, phase, promotion) stays; what the file changed since it was
/// last read (weight, segments, user keys, guard thresholds) applies.</item>
/// </list>
/// </summary>
internal static class ReleaseReconciler
{
    public static ReleaseState Reconcile(ReleaseState? current, ReleaseOptions options)
    {
        var origin = ReleaseOrigin.Of(options);
        if (current is null || !current.Origin.SameVersions(origin))
        {
            return ReleaseState.FromOptions(options) with { Revision = (current?.Revision ?? 0) + 1 };
        }

        var next = current with
        {
            UserKey = options.UserKey,
            Segments = options.Segments,
            Guard = options.Guard,
            Steps = options.Steps,
            OnInconclusive = options.OnInconclusive,
            Outage = options.Outage,
            Origin = origin,
            Step = current.Step >= options.Steps.Count ? options.Steps.Count - 1 : current.Step,
        };
        var weightEdited = current.Origin.Weight != options.Weight;
        return weightEdited && current.Canary is not null && current.Phase != ReleasePhase.Promoted
            ? next with { CanaryBuckets = ReleaseState.ToBuckets(options.Weight) }
            : next;
    }
}

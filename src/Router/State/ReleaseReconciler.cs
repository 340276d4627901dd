using Canary.Router.Configuration;

namespace Canary.Router.State;

/// <summary>
/// How router.json and the running (or persisted) state combine: a pure function, the same on hot reload and at
/// start. The revision is the store's job.
/// <list type="bullet">
/// <item>router.json names other versions (a new canary, another stable): the file wins and the release starts over.</item>
/// <item>Same versions: the settings follow the file (user keys, segments, guard, steps, outage); the operator's
/// state (weight, phase, promotion) stays.</item>
/// <item>A weight edited in the file applies as an operator's weight would (<see cref="ReleaseTransitions.SetWeight"/>)
/// while the release is Progressing or Paused. RolledBack, Switched and Promoted releases do not take it: it would
/// re-arm a canary the guard or an operator stopped, or send users to the version just switched away from. The edit
/// is then recorded as seen, with the reason in the decision log, and not applied later either.</item>
/// <item>Steps added to a progressing release start at the first step; removed steps stop.</item>
/// <item>An operator's notice to users stays whatever the file says: it is about the service, not its versions.</item>
/// </list>
/// </summary>
internal static class ReleaseReconciler
{
    public static Reconciled Reconcile(ReleaseState? current, ReleaseOptions options)
    {
        var origin = ReleaseOrigin.Of(options);
        if (current is null || !current.Origin.SameVersions(origin))
        {
            return new Reconciled(ReleaseState.FromOptions(options) with { Notice = current?.Notice });
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
            Step = Math.Min(current.Step, options.Steps.Count - 1),
        };
        if (next.Step < 0 && options.Steps.Count > 0 && next.Phase == ReleasePhase.Progressing && next.Canary is not null)
        {
            next = next with { Step = 0, CanaryBuckets = ReleaseState.ToBuckets(options.Steps[0].Weight) };
        }

        if (current.Origin.Weight == options.Weight || next.Canary is null)
        {
            return new Reconciled(next);
        }

        return next.Phase is ReleasePhase.Progressing or ReleasePhase.Paused && ReleaseTransitions.SetWeight(next, options.Weight).Next is { } weighted
            ? new Reconciled(weighted)
            : new Reconciled(next, $"its weight edit ({current.Origin.Weight}% to {options.Weight}%) is not applied: the release is {next.Phase} (an operator sets the weight or resumes)");
    }
}

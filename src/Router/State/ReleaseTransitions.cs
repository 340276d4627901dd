namespace Canary.Router.State;

/// <summary>Why a transition was refused: the admin API's status code follows the kind.</summary>
internal enum RefusalKind
{
    /// <summary>The release is not in a state that allows it (409).</summary>
    Conflict,

    /// <summary>The caller's If-Match names another revision (412).</summary>
    StaleRevision,
}

internal sealed record Refusal(RefusalKind Kind, string Reason);

/// <summary>The outcome of a transition: the next state, or why it was refused (the state then stays as it is).</summary>
internal readonly record struct Transition(ReleaseState? Next, Refusal? Refusal)
{
    public static Transition To(ReleaseState next) => new(next, null);

    public static Transition Refuse(string reason) => new(null, new Refusal(RefusalKind.Conflict, reason));

    /// <summary>Runs <paramref name="transition"/> only if the state is still at <paramref name="revision"/> (null: any).</summary>
    public static Func<ReleaseState, Transition> IfRevision(long? revision, Func<ReleaseState, Transition> transition) =>
        state => revision is null || revision == state.Revision
            ? transition(state)
            : new Transition(null, new Refusal(RefusalKind.StaleRevision, $"release '{state.Name}' is at revision {state.Revision}, not {revision}"));
}

/// <summary>Pure state transitions of a release. The revision is the store's job, not theirs.</summary>
internal static class ReleaseTransitions
{
    public static Transition SetWeight(ReleaseState state, double weightPercent)
    {
        if (state.Canary is null)
        {
            return Transition.Refuse($"release '{state.Name}' has no canary version to send users to");
        }

        var buckets = ReleaseState.ToBuckets(weightPercent);
        return Transition.To(state with
        {
            CanaryBuckets = buckets,
            Phase = state.Phase == ReleasePhase.Paused ? ReleasePhase.Paused : ReleasePhase.Progressing,
        });
    }

    /// <summary>The canary becomes stable and serves everyone.</summary>
    public static Transition Promote(ReleaseState state) => state.Canary is null
        ? Transition.Refuse($"release '{state.Name}' has no canary version to promote")
        : Transition.To(state with { Stable = state.Canary, Canary = null, CanaryBuckets = 0, Phase = ReleasePhase.Promoted });

    /// <summary>
    /// The guard's rollback: only of the canary it judged, and only once (a verdict racing an operator's change,
    /// or a second verdict on the same failures, changes nothing).
    /// </summary>
    public static Transition GuardRollback(ReleaseState state, string judgedCanary) =>
        state.Canary != judgedCanary || state.Phase is ReleasePhase.RolledBack or ReleasePhase.Promoted
            ? Transition.Refuse($"release '{state.Name}' changed since the verdict")
            : Rollback(state);

    /// <summary>Everyone back on stable; segments pointing at the canary are held off until an operator acts.</summary>
    public static Transition Rollback(ReleaseState state) => state switch
    {
        { Canary: null } => Transition.Refuse($"release '{state.Name}' has no canary version to roll back"),
        { Phase: ReleasePhase.RolledBack } => Transition.Refuse($"release '{state.Name}' is already rolled back"),
        _ => Transition.To(state with { CanaryBuckets = 0, Phase = ReleasePhase.RolledBack }),
    };
}

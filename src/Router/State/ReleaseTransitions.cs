namespace Canary.Router.State;

/// <summary>Why a transition was refused: the admin API's status code follows the kind.</summary>
internal enum RefusalKind
{
    /// <summary>The release is not in a state that allows it (409).</summary>
    Conflict,

    /// <summary>The caller's If-Match names another revision (412).</summary>
    StaleRevision,

    /// <summary>The change could not be persisted (503); nothing changed.</summary>
    Unavailable,
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
    /// <summary>
    /// A manual weight. On a stepped release it holds the steps (Paused): the operator has taken over until they
    /// resume. After a rollback it re-arms the canary at that weight; a stepped release is then Paused with no current
    /// step, so the steps start over from the first on resume rather than carry on from the step that failed. Refused
    /// after a blue-green switch (the canary is the version just switched away from: switch again instead).
    /// </summary>
    public static Transition SetWeight(ReleaseState state, double weightPercent)
    {
        if (state.Canary is null)
        {
            return Transition.Refuse($"release '{state.Name}' has no canary version to send users to");
        }

        if (state.Phase == ReleasePhase.Switched)
        {
            return Transition.Refuse($"release '{state.Name}' is Switched: every user is on {state.Stable} and {state.Canary} only stays warm; switch again to move users back");
        }

        var buckets = ReleaseState.ToBuckets(weightPercent);
        return state switch
        {
            { Phase: ReleasePhase.RolledBack, Steps.Count: > 0 } => Transition.To(state with { CanaryBuckets = buckets, Phase = ReleasePhase.Paused, Step = -1 }),
            { Phase: ReleasePhase.Paused } or { Phase: ReleasePhase.Progressing, Step: >= 0 } => Transition.To(state with { CanaryBuckets = buckets, Phase = ReleasePhase.Paused }),
            _ => Transition.To(state with { CanaryBuckets = buckets, Phase = ReleasePhase.Progressing }),
        };
    }

    public static Transition Pause(ReleaseState state) => state.Phase == ReleasePhase.Progressing
        ? Transition.To(state with { Phase = ReleasePhase.Paused })
        : Transition.Refuse($"release '{state.Name}' is {state.Phase}; only a progressing release can be paused");

    /// <summary>
    /// Continues a paused release; a rolled-back release with steps, or a paused one with no current step (re-armed
    /// after a rollback, or steps added while paused), starts them over from the first.
    /// </summary>
    public static Transition Resume(ReleaseState state) => state switch
    {
        { Phase: ReleasePhase.Paused } when state.Step >= 0 || state.Steps.Count == 0 || state.Canary is null => Transition.To(state with { Phase = ReleasePhase.Progressing }),
        { Phase: ReleasePhase.Paused or ReleasePhase.RolledBack, Canary: not null, Steps.Count: > 0 } => Transition.To(state with
        {
            Phase = ReleasePhase.Progressing,
            Step = 0,
            CanaryBuckets = ReleaseState.ToBuckets(state.Steps[0].Weight),
        }),
        _ => Transition.Refuse($"release '{state.Name}' is {state.Phase}; only a paused release (or a rolled-back one with steps) can be resumed"),
    };

    /// <summary>The next canary step, or promotion after the last; only from the step the caller judged.</summary>
    public static Transition AdvanceStep(ReleaseState state, int judgedStep)
    {
        if (state.Phase != ReleasePhase.Progressing || state.Step != judgedStep || state.Step < 0)
        {
            return Transition.Refuse($"release '{state.Name}' changed since the step was judged");
        }

        var next = state.Step + 1;
        return next < state.Steps.Count
            ? Transition.To(state with { Step = next, CanaryBuckets = ReleaseState.ToBuckets(state.Steps[next].Weight) })
            : Promote(state);
    }

    /// <summary>
    /// Blue-green: every user to the other version in one change. The previous stable stays configured as the
    /// canary at weight 0, warm, so switching back is just as instant.
    /// </summary>
    public static Transition Switch(ReleaseState state) => state.Canary is null
        ? Transition.Refuse($"release '{state.Name}' has no other version to switch to")
        : Transition.To(state with { Stable = state.Canary, Canary = state.Stable, CanaryBuckets = 0, Phase = ReleasePhase.Switched, Step = -1 });

    public static Transition Drain(ReleaseState state, DrainedDestination destination) =>
        state.Draining.Contains(destination)
            ? Transition.Refuse($"{destination.Address} of route '{destination.Route}' is already draining")
            : Transition.To(state with { Draining = [.. state.Draining, destination] });

    public static Transition Undrain(ReleaseState state, DrainedDestination destination) =>
        state.Draining.Contains(destination)
            ? Transition.To(state with { Draining = [.. state.Draining.Where(d => d != destination)] })
            : Transition.Refuse($"{destination.Address} of route '{destination.Route}' is not draining");

    /// <summary>The canary becomes stable and serves everyone.</summary>
    public static Transition Promote(ReleaseState state) => state.Canary is null
        ? Transition.Refuse($"release '{state.Name}' has no canary version to promote")
        : Transition.To(state with { Stable = state.Canary, Canary = null, CanaryBuckets = 0, Phase = ReleasePhase.Promoted, Step = -1 });

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

    /// <summary>Schedules the release's notice to users, replacing the one it had.</summary>
    public static Transition SetNotice(ReleaseState state, ReleaseNotice notice) => Transition.To(state with { Notice = notice });

    public static Transition ClearNotice(ReleaseState state) => state.Notice is null
        ? Transition.Refuse($"release '{state.Name}' has no notice")
        : Transition.To(state with { Notice = null });
}

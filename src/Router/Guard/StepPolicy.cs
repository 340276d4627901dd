using Canary.Router.Configuration;
using Canary.Router.State;

namespace Canary.Router.Guard;

/// <summary>How long the current step has been judged healthy. Kept in memory: a restart starts the hold over.</summary>
internal readonly record struct StepProgress(int Step, DateTimeOffset? HealthySince);

/// <summary>
/// Canary steps, a pure function: a step advances once the guard's verdict has stayed healthy for the whole of its
/// hold. An inconclusive verdict (too little traffic) holds the step, or counts as healthy with
/// <see cref="InconclusivePolicy.Advance"/>; anything else (a breach, a pause) starts the hold over.
/// </summary>
internal static class StepPolicy
{
    public static (StepProgress Progress, bool Advance) Judge(ReleaseState state, StepProgress? previous, VerdictKind verdict, DateTimeOffset now)
    {
        var progress = previous is { } known && known.Step == state.Step ? known : new StepProgress(state.Step, null);
        if (state.Step < 0 || state.Phase != ReleasePhase.Progressing)
        {
            return (progress with { HealthySince = null }, false);
        }

        var counts = verdict == VerdictKind.Healthy
            || (verdict == VerdictKind.Inconclusive && state.OnInconclusive == InconclusivePolicy.Advance);
        progress = progress with { HealthySince = counts ? progress.HealthySince ?? now : null };
        return (progress, AdvancesAt(state, progress) <= now);
    }

    /// <summary>When the current step will advance if the verdict stays as it is; null while it is not counting.</summary>
    public static DateTimeOffset? AdvancesAt(ReleaseState state, StepProgress progress) =>
        progress.HealthySince is { } since && state.Step >= 0 && state.Step < state.Steps.Count
            ? since + TimeSpan.FromSeconds(state.Steps[state.Step].HoldSeconds)
            : null;
}

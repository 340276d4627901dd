using Canary.Router.Guard;
using Canary.Router.Metrics;
using Canary.Router.State;

namespace Canary.Router.Admin;

/// <summary>A release as the admin API shows it: state, segments, and the guard's latest figures.</summary>
internal sealed record ReleaseView(
    string Name,
    string Stable,
    string? Canary,
    double Weight,
    ReleasePhase Phase,
    long Revision,
    IReadOnlyList<string> UserKey,
    IReadOnlyList<SegmentView> Segments,
    GuardView Guard,
    StepsView? Steps,
    IReadOnlyList<RouteView> Routes,
    NoticeView? Notice)
{
    public static ReleaseView Of(ReleaseState state, GuardVerdict? verdict, StepsView? steps, IReadOnlyList<RouteView> routes, DateTimeOffset now) => new(
        state.Name,
        state.Stable,
        state.Canary,
        state.Weight,
        state.Phase,
        state.Revision,
        [.. state.UserKey.Select(k => k.ToString())],
        [.. state.Segments.Select(s => new SegmentView(s.Name, s.Source.ToString(), s.Values, s.Version,
            Active: state.IsActive(s)))],
        GuardView.Of(state, verdict),
        steps,
        routes,
        state.Notice is { } notice ? new NoticeView(notice.Message, notice.From, notice.Until, notice.IsActive(now)) : null);

    /// <summary>The ETag of a state: its revision, quoted.</summary>
    public static string ETagOf(ReleaseState state) => $"\"{state.Revision}\"";
}

/// <summary>The release's notice to its users; <see cref="Active"/> while <c>GET /canary/notice</c> serves it.</summary>
internal sealed record NoticeView(string Message, DateTimeOffset From, DateTimeOffset Until, bool Active);

/// <summary>A segment; <see cref="Active"/> is false while a rollback holds it off the canary.</summary>
internal sealed record SegmentView(string Name, string Source, IReadOnlyList<string> Values, string Version, bool Active);

/// <summary>
/// The guard's options and its latest verdict: the evidence so far against what a rollback needs, the window's figures,
/// and how long the current traffic needs to detect a doubled error rate.
/// </summary>
internal sealed record GuardView(
    bool Enabled, int WindowSeconds, int MinRequests, double MaxErrorRate, double MaxErrorRateAboveStable, double MaxP99Ms, double FalseRollbackRate,
    VerdictKind? Verdict, string? Explanation, EvidenceView? Evidence, FiguresView? Canary, FiguresView? Stable)
{
    public static GuardView Of(ReleaseState state, GuardVerdict? verdict) => new(
        state.Guard.Enabled, state.Guard.WindowSeconds, state.Guard.MinRequests, state.Guard.MaxErrorRate,
        state.Guard.MaxErrorRateAboveStable, state.Guard.MaxP99Ms, state.Guard.FalseRollbackRate,
        verdict?.Kind, verdict?.Explanation,
        verdict is null ? null : new EvidenceView(verdict.ErrorEvidence, verdict.SlowEvidence, verdict.Needed, verdict.ComparedWithStable, verdict.SecondsToDetectDoubled),
        verdict is null ? null : FiguresView.Of(verdict.Canary),
        verdict is null ? null : FiguresView.Of(verdict.Stable));
}

/// <summary>Likelihood ratios against the canary (1: no evidence) and the one a rollback needs.</summary>
internal sealed record EvidenceView(double Errors, double Slow, double Needed, bool ComparedWithStable, double? SecondsToDetectDoubledErrorRate);

/// <summary>One version's figures over the guard's window; latency samples exclude upgrades and streams.</summary>
internal sealed record FiguresView(long Requests, long ServerErrors, long TransportErrors, long GrpcErrors, double ErrorRate, long LatencySamples, long Slow, double SlowRate)
{
    public static FiguresView Of(CountSnapshot figures) =>
        new(figures.Requests, figures.ServerErrors, figures.TransportErrors, figures.GrpcErrors, figures.ErrorRate, figures.Samples, figures.Slow, figures.SlowRate);
}

/// <summary>Canary steps: where the release is, and when it will advance if the guard stays healthy.</summary>
internal sealed record StepsView(int Current, int Count, double Weight, int HoldSeconds, string OnInconclusive, DateTimeOffset? HealthySince, DateTimeOffset? AdvancesAt, IReadOnlyList<Configuration.StepOptions> All);

/// <summary>A route with each version's destinations.</summary>
internal sealed record RouteView(string Name, string Path, IReadOnlyDictionary<string, IReadOnlyList<DestinationView>> Versions);

/// <summary>A destination: its health as YARP sees it, whether it is draining, and its requests in flight.</summary>
internal sealed record DestinationView(string Address, bool Draining, int InFlight, string ActiveHealth, string PassiveHealth);

using Canary.Router.Configuration;

namespace Canary.Router.State;

/// <summary>
/// The immutable state of one release at one revision: everything the per-request decision reads.
/// Weight is kept in buckets (0..10000, one bucket = 0.01%) so the decision compares integers.
/// </summary>
internal sealed record ReleaseState
{
    public const int BucketCount = 10_000;

    public required string Name { get; init; }

    public required string Stable { get; init; }

    public string? Canary { get; init; }

    /// <summary>Users whose bucket is below this go to the canary.</summary>
    public int CanaryBuckets { get; init; }

    public ReleasePhase Phase { get; init; }

    public long Revision { get; init; }

    public IReadOnlyList<UserKeySource> UserKey { get; init; } = [];

    public IReadOnlyList<SegmentOptions> Segments { get; init; } = [];

    public GuardOptions Guard { get; init; } = new();

    /// <summary>The canary steps of router.json; <see cref="Step"/> is the current one, -1 when none is running.</summary>
    public IReadOnlyList<StepOptions> Steps { get; init; } = [];

    public int Step { get; init; } = -1;

    public InconclusivePolicy OnInconclusive { get; init; } = InconclusivePolicy.Hold;

    public OutageOptions? Outage { get; init; }

    /// <summary>Destinations taking no new requests (rolling updates), by route and address.</summary>
    public IReadOnlyList<DrainedDestination> Draining { get; init; } = [];

    /// <summary>An operator's message to the release's end users for a time (<c>GET /canary/notice</c>); null when none is scheduled.</summary>
    public ReleaseNotice? Notice { get; init; }

    /// <summary>What router.json said when this state was derived from it: how a reload or a restart tells an edit of the file from an operator's change.</summary>
    public ReleaseOrigin Origin { get; init; } = new(null, null, 0, "");

    public double Weight => CanaryBuckets / 100.0;

    /// <summary>
    /// Value equality, so a reload that changes nothing is seen to change nothing. The settings taken from router.json
    /// (user keys, segments, guard, steps, outage) are compared through <see cref="Origin"/>'s fingerprint of them:
    /// they are only ever set together with it (<see cref="FromOptions"/>, <see cref="ReleaseReconciler"/>).
    /// </summary>
    public bool Equals(ReleaseState? other) => other is not null
        && Name == other.Name && Stable == other.Stable && Canary == other.Canary && CanaryBuckets == other.CanaryBuckets
        && Phase == other.Phase && Revision == other.Revision && Step == other.Step && Origin == other.Origin
        && Draining.SequenceEqual(other.Draining) && Notice == other.Notice;

    public override int GetHashCode() => HashCode.Combine(Name, Stable, Canary, CanaryBuckets, Phase, Revision, Step, Origin);

    /// <summary>Whether the two differ in anything but the revision: what earns a new revision.</summary>
    public bool SameAs(ReleaseState other) => Equals(other with { Revision = Revision });

    /// <summary>
    /// Whether a segment still sends users to its version: after a rollback, segments to the canary stop until an
    /// operator acts; after a promotion, only segments to the new stable remain, so it really serves everyone.
    /// </summary>
    public bool IsActive(SegmentOptions segment) => Phase switch
    {
        ReleasePhase.RolledBack => segment.Version != Canary,
        ReleasePhase.Promoted => segment.Version == Stable,
        _ => true,
    };

    public static int ToBuckets(double weightPercent) =>
        (int)Math.Clamp(Math.Round(weightPercent * 100, MidpointRounding.AwayFromZero), 0, BucketCount);

    public static ReleaseState FromOptions(ReleaseOptions options) => new()
    {
        Guard = options.Guard,
        Origin = ReleaseOrigin.Of(options),
        Steps = options.Steps,
        Step = options.Steps.Count > 0 && options.Canary is not null ? 0 : -1,
        OnInconclusive = options.OnInconclusive,
        Outage = options.Outage,
        Name = options.Name,
        Stable = options.Stable,
        Canary = options.Canary,
        CanaryBuckets = options.Canary is null ? 0 : ToBuckets(options.Weight),
        Phase = options.Canary is null ? ReleasePhase.Stable : ReleasePhase.Progressing,
        Revision = 1,
        UserKey = options.UserKey,
        Segments = options.Segments,
    };
}

/// <summary>A message for a release's end users, shown from <paramref name="From"/> until (excluding) <paramref name="Until"/>.</summary>
internal sealed record ReleaseNotice(string Message, DateTimeOffset From, DateTimeOffset Until)
{
    public bool IsActive(DateTimeOffset now) => From <= now && now < Until;
}

/// <summary>A destination of one route that takes no new requests.</summary>
internal sealed record DrainedDestination(string Route, string Address);

/// <summary>
/// The versions and weight router.json named for a release, and a fingerprint of its other settings (user keys,
/// segments, guard, steps, outage): persisted, so a restart tells an edit made while the router was stopped.
/// </summary>
internal sealed record ReleaseOrigin(string? Stable, string? Canary, double Weight, string Settings)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new()
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static ReleaseOrigin Of(ReleaseOptions options) => new(options.Stable, options.Canary, options.Weight, Fingerprint(options));

    /// <summary>Whether router.json still names the same release (same stable, same canary), whatever its weight.</summary>
    public bool SameVersions(ReleaseOrigin other) => Stable == other.Stable && Canary == other.Canary;

    private static string Fingerprint(ReleaseOptions options)
    {
        var settings = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new { options.UserKey, options.Segments, options.Guard, options.Steps, options.OnInconclusive, options.Outage }, Json);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(settings), 0, 12);
    }
}

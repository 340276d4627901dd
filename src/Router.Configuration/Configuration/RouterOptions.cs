namespace Canary.Router.Configuration;

/// <summary>The validated content of router.json. Defaults and ranges live in <see cref="OptionLimits"/>.</summary>
internal sealed record RouterOptions
{
    public string PublicUrls { get; init; } = OptionLimits.DefaultPublicUrls;

    public string AdminUrls { get; init; } = OptionLimits.DefaultAdminUrls;

    /// <summary>Where operator changes persist; relative paths resolve against router.json's folder.</summary>
    public string StateFile { get; init; } = OptionLimits.DefaultStateFile;

    public AnonymousCookieOptions Cookie { get; init; } = new();

    /// <summary>
    /// Replica mode: a StackExchange.Redis configuration string (CANARY_REDIS overrides it). Null: one process and its
    /// state file. Never logged or shown: it may hold a password.
    /// </summary>
    public string? Redis { get; init; }

    /// <summary>Prefixes every Redis key and channel of this fleet, so several fleets can share one Redis.</summary>
    public string RedisKeyPrefix { get; init; } = OptionLimits.DefaultRedisKeyPrefix;

    /// <summary>
    /// Per-request recording (metrics and the guard's windows). Off only to measure its cost: without it the guard
    /// sees nothing and the request counters stay at zero.
    /// </summary>
    public bool RecordRequests { get; init; } = true;

    public JwtOptions? Authentication { get; init; }

    /// <summary>Webhooks told about decisions; null when router.json has no Notify section.</summary>
    public Notifications.NotifyOptions? Notify { get; init; }

    /// <summary>The certificate of the https:// URLs of PublicUrls (and AdminUrls); without it Kestrel's own configuration's.</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>Plaintext http:// listeners speak HTTP/2 only, with prior knowledge (h2c), for gRPC without TLS.</summary>
    public bool Http2Cleartext { get; init; }

    /// <summary>X-Forwarded-For/Proto/Host are believed only from these proxies; null: from nobody.</summary>
    public ForwardedHeadersTrust? ForwardedHeaders { get; init; }

    /// <summary>In the order router.json lists them.</summary>
    public IReadOnlyList<ReleaseOptions> Releases { get; init; } = [];

    public ReleaseOptions? Release(string name) => Releases.FirstOrDefault(r => r.Name == name);

    /// <summary>Whether a route names a policy or a timeout: only then does the public pipeline carry their middleware.</summary>
    public bool UsesRoutePolicies => Releases.SelectMany(r => r.Routes).Any(r =>
        r.AuthorizationPolicy is not null || r.CorsPolicy is not null || r.RateLimiterPolicy is not null || r.TimeoutPolicy is not null || r.TimeoutSeconds is not null);
}

/// <summary>The anonymous-user cookie that pins a user's bucket when no user key is present.</summary>
internal sealed record AnonymousCookieOptions
{
    public string Name { get; init; } = OptionLimits.DefaultCookieName;

    public int MaxAgeDays { get; init; } = OptionLimits.DefaultCookieMaxAgeDays;
}

/// <summary>
/// A server certificate: a PEM certificate file with its PEM key file (<see cref="KeyPath"/>), or a PFX/PKCS#12 file
/// with its <see cref="Password"/>. Relative paths resolve against router.json's folder.
/// </summary>
internal sealed record TlsOptions
{
    public required string CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    public string? Password { get; init; }
}

/// <summary>The TLS-terminating load balancers in front of the router, by address or network (CIDR).</summary>
internal sealed record ForwardedHeadersTrust
{
    public IReadOnlyList<string> KnownProxies { get; init; } = [];

    public IReadOnlyList<string> KnownNetworks { get; init; } = [];

    public bool Equals(ForwardedHeadersTrust? other) =>
        other is not null && KnownProxies.SequenceEqual(other.KnownProxies) && KnownNetworks.SequenceEqual(other.KnownNetworks);

    public override int GetHashCode() => HashCode.Combine(KnownProxies.Count, KnownNetworks.Count);
}

/// <summary>Bearer-token validation, needed only by <c>claim:</c> user keys and Claim segments.</summary>
internal sealed record JwtOptions
{
    public string? Authority { get; init; }

    public string? Audience { get; init; }

    public string? Issuer { get; init; }

    /// <summary>A symmetric HS256 key (UTF-8 text, at least 32 bytes); an alternative to <see cref="Authority"/>.</summary>
    public string? SigningKey { get; init; }
}

internal sealed record ReleaseOptions
{
    public required string Name { get; init; }

    public required string Stable { get; init; }

    public string? Canary { get; init; }

    /// <summary>Percent of users on the canary, 0..100, decimals allowed (0.01 resolution).</summary>
    public double Weight { get; init; }

    public IReadOnlyList<UserKeySource> UserKey { get; init; } = [];

    public IReadOnlyList<SegmentOptions> Segments { get; init; } = [];

    public GuardOptions Guard { get; init; } = new();

    /// <summary>Canary steps: advance while the guard stays healthy for each hold, promote after the last.</summary>
    public IReadOnlyList<StepOptions> Steps { get; init; } = [];

    /// <summary>What a step does while the guard's verdict is inconclusive (too little traffic).</summary>
    public InconclusivePolicy OnInconclusive { get; init; } = InconclusivePolicy.Hold;

    /// <summary>Probed on every destination of a version before a blue-green switch, unless its cluster has active health checks.</summary>
    public string HealthPath { get; init; } = OptionLimits.DefaultHealthPath;

    /// <summary>In-place deployments: idempotent requests wait for a restarting backend instead of failing.</summary>
    public OutageOptions? Outage { get; init; }

    public IReadOnlyList<RouteOptions> Routes { get; init; } = [];

    /// <summary>The experiment's goals (request and beacon goals), compared between Stable and Canary.</summary>
    public IReadOnlyList<Experiments.GoalOptions> Goals { get; init; } = [];

    /// <summary>Every version any route of the release can serve.</summary>
    public IEnumerable<string> Versions => Routes.SelectMany(r => r.Versions.Keys).Distinct(StringComparer.Ordinal);
}

internal enum RequestValueKind
{
    Header,
    Cookie,
    Query,
    Claim,
}

/// <summary>One place a user key or a segment value is read from, e.g. <c>header:X-User-Id</c>.</summary>
internal sealed record UserKeySource(RequestValueKind Kind, string Name)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Name}";
}

internal sealed record SegmentOptions
{
    public required string Name { get; init; }

    public required UserKeySource Source { get; init; }

    /// <summary>Matched case-insensitively.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    public required string Version { get; init; }

    /// <summary>Its position in router.json's Segments list, so problems name the entry as written.</summary>
    public int Index { get; init; }
}

/// <summary>
/// What the guard tolerates per release, and how sure it must be before a rollback. Defaults and ranges:
/// <see cref="OptionLimits"/>. The README's guard section says what each key means.
/// </summary>
internal sealed record GuardOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>The span of the figures shown and of the traffic that decides whether stable can be compared with.</summary>
    public int WindowSeconds { get; init; } = OptionLimits.DefaultGuardWindowSeconds;

    /// <summary>Below this many canary requests in the window the verdict is inconclusive (steps hold); below this many stable ones, the canary is judged against the caps alone.</summary>
    public int MinRequests { get; init; } = OptionLimits.DefaultGuardMinRequests;

    /// <summary>The canary is never blamed for an error rate at or below this.</summary>
    public double MaxErrorRate { get; init; } = OptionLimits.DefaultGuardMaxErrorRate;

    /// <summary>
    /// The slow-request threshold: a response whose headers come later than this is slow, and the canary is blamed
    /// when more than 1% of its responses are slow (its p99 is above this) and more of them than of stable's.
    /// </summary>
    public double MaxP99Ms { get; init; } = OptionLimits.DefaultGuardMaxP99Ms;

    /// <summary>Canary's error rate may exceed stable's by at most this much before the guard blames the canary.</summary>
    public double MaxErrorRateAboveStable { get; init; } = OptionLimits.DefaultGuardMaxErrorRateAboveStable;

    /// <summary>The chance, over the canary's whole life, that a canary as good as stable is rolled back.</summary>
    public double FalseRollbackRate { get; init; } = OptionLimits.DefaultGuardFalseRollbackRate;
}

internal sealed record StepOptions(double Weight, int HoldSeconds);

internal enum InconclusivePolicy
{
    /// <summary>Stay on the step until the guard has enough traffic to call it healthy.</summary>
    Hold,

    /// <summary>Count an inconclusive verdict as healthy (low-traffic releases).</summary>
    Advance,
}

internal sealed record OutageOptions(int HoldSeconds);

internal sealed record RouteOptions
{
    public required string Name { get; init; }

    public required string Path { get; init; }

    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>Bytes a request body may have on this route, or -1 for no limit; null keeps Kestrel's 30 MB.</summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>The whole request's time limit (ASP.NET request timeouts); not with <see cref="TimeoutPolicy"/>.</summary>
    public double? TimeoutSeconds { get; init; }

    // Policy names as YARP's RouteConfig takes them: the host's registered policies, or ASP.NET's built-in names.
    public string? TimeoutPolicy { get; init; }

    public string? AuthorizationPolicy { get; init; }

    public string? CorsPolicy { get; init; }

    public string? RateLimiterPolicy { get; init; }

    /// <summary>YARP transforms, in YARP's own form (<c>[{"PathPrefix": "/v1"}, {"RequestHeader": "X-A", "Set": "1"}]</c>).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Transforms { get; init; } = [];

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Version name to its YARP cluster (a list of addresses becomes a cluster of plain destinations).</summary>
    public required IReadOnlyDictionary<string, YarpCluster> Versions { get; init; }
}

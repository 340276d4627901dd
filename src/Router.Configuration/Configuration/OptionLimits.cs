namespace Canary.Router.Configuration;

/// <summary>Every default and range of router.json in one place; the README's table mirrors this file.</summary>
internal static class OptionLimits
{
    public const string DefaultConfigPath = "router.json";
    public const string DefaultPublicUrls = "http://127.0.0.1:8080";
    public const string DefaultAdminUrls = "http://127.0.0.1:8081";
    public const string DefaultStateFile = "router.state.json";

    /// <summary>Overrides Router.Redis (a StackExchange.Redis configuration string; passwords stay out of router.json).</summary>
    public const string RedisEnvironmentVariable = "CANARY_REDIS";
    public const string DefaultRedisKeyPrefix = "canary:";
    public const int MaxRedisKeyPrefixLength = 64;

    public const string DefaultCookieName = "canary_uid";
    public const int DefaultCookieMaxAgeDays = 365;
    public const int MinCookieMaxAgeDays = 1;
    public const int MaxCookieMaxAgeDays = 3650;

    public const double MinWeight = 0;
    public const double MaxWeight = 100;

    public const int DefaultGuardWindowSeconds = 10;
    public const int MinGuardWindowSeconds = 1;
    public const int MaxGuardWindowSeconds = 600;

    public const int DefaultGuardMinRequests = 20;
    public const int MinGuardMinRequests = 1;
    public const int MaxGuardMinRequests = 1_000_000;

    public const double DefaultGuardMaxErrorRate = 0.05;
    public const double DefaultGuardMaxErrorRateAboveStable = 0.02;

    public const double DefaultGuardFalseRollbackRate = 0.01;
    public const double MinGuardFalseRollbackRate = 1e-6;
    public const double MaxGuardFalseRollbackRate = 0.2;

    public const double DefaultGuardMaxP99Ms = 1000;
    public const double MinGuardMaxP99Ms = 1;
    public const double MaxGuardMaxP99Ms = 600_000;

    public const int MinJwtSigningKeyBytes = 32;

    public const string DefaultHealthPath = "/healthz";

    public const int MinStepHoldSeconds = 0;
    public const int MaxStepHoldSeconds = 7 * 24 * 3600;

    /// <summary>A route's MaxRequestBodySize: -1 (no limit) or 1 byte and up.</summary>
    public const long NoRequestBodyLimit = -1;
    public const long MinRequestBodySize = 1;

    public const double MinRouteTimeoutSeconds = 0.001; // ASP.NET request timeouts count whole milliseconds.
    public const double MaxRouteTimeoutSeconds = 24 * 3600;

    public const int MinOutageHoldSeconds = 1;
    public const int MaxOutageHoldSeconds = 300;

    public const int DefaultNotifyRetries = 4;
    public const int MinNotifyRetries = 0;
    public const int MaxNotifyRetries = 10;

    public const int DefaultNotifyRetryDelayMs = 1000;
    public const int MinNotifyRetryDelayMs = 10;
    public const int MaxNotifyRetryDelayMs = 60_000;

    public const int DefaultNotifyQueueLength = 1000;
    public const int MinNotifyQueueLength = 1;
    public const int MaxNotifyQueueLength = 100_000;
}

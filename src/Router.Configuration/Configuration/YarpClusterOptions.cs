using System.Net.Http;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canary.Router.Configuration;

// A version given as a full YARP cluster object, read without YARP (which needs ASP.NET Core): these records mirror
// YARP's ClusterConfig and its parts property for property (a test in Router.Tests compares them with YARP's), and
// the router turns them into YARP's types (YarpConfigBuilder), where YARP's own validator checks them.

/// <summary>YARP's <c>ClusterConfig</c>, as router.json writes it.</summary>
internal sealed record YarpCluster
{
    public string ClusterId { get; init; } = "";

    public string? LoadBalancingPolicy { get; init; }

    public YarpSessionAffinity? SessionAffinity { get; init; }

    public YarpHealthCheck? HealthCheck { get; init; }

    public YarpHttpClient? HttpClient { get; init; }

    public YarpHttpRequest? HttpRequest { get; init; }

    public IReadOnlyDictionary<string, YarpDestination>? Destinations { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

internal sealed record YarpDestination
{
    public string Address { get; init; } = "";

    public string? Health { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public string? Host { get; init; }
}

internal sealed record YarpSessionAffinity
{
    public bool? Enabled { get; init; }

    public string? Policy { get; init; }

    public string? FailurePolicy { get; init; }

    public string? AffinityKeyName { get; init; }

    public YarpAffinityCookie? Cookie { get; init; }
}

internal sealed record YarpAffinityCookie
{
    public string? Path { get; init; }

    public string? Domain { get; init; }

    public bool? HttpOnly { get; init; }

    public YarpCookieSecurePolicy? SecurePolicy { get; init; }

    public YarpSameSiteMode? SameSite { get; init; }

    public TimeSpan? Expiration { get; init; }

    public TimeSpan? MaxAge { get; init; }

    public bool? IsEssential { get; init; }
}

/// <summary>ASP.NET Core's <c>CookieSecurePolicy</c>, same names and values.</summary>
internal enum YarpCookieSecurePolicy
{
    SameAsRequest = 0,
    Always = 1,
    None = 2,
}

/// <summary>ASP.NET Core's <c>SameSiteMode</c>, same names and values.</summary>
internal enum YarpSameSiteMode
{
    Unspecified = -1,
    None = 0,
    Lax = 1,
    Strict = 2,
}

internal sealed record YarpHealthCheck
{
    public YarpPassiveHealthCheck? Passive { get; init; }

    public YarpActiveHealthCheck? Active { get; init; }

    public string? AvailableDestinationsPolicy { get; init; }
}

internal sealed record YarpActiveHealthCheck
{
    public bool? Enabled { get; init; }

    public TimeSpan? Interval { get; init; }

    public TimeSpan? Timeout { get; init; }

    public string? Policy { get; init; }

    public string? Path { get; init; }

    public string? Query { get; init; }
}

internal sealed record YarpPassiveHealthCheck
{
    public bool? Enabled { get; init; }

    public string? Policy { get; init; }

    public TimeSpan? ReactivationPeriod { get; init; }
}

internal sealed record YarpHttpClient
{
    public SslProtocols? SslProtocols { get; init; }

    public bool? DangerousAcceptAnyServerCertificate { get; init; }

    public int? MaxConnectionsPerServer { get; init; }

    public YarpWebProxy? WebProxy { get; init; }

    public bool? EnableMultipleHttp2Connections { get; init; }

    public string? RequestHeaderEncoding { get; init; }

    public string? ResponseHeaderEncoding { get; init; }
}

internal sealed record YarpWebProxy
{
    public Uri? Address { get; init; }

    public bool? BypassOnLocal { get; init; }

    public bool? UseDefaultCredentials { get; init; }
}

/// <summary>YARP's <c>ForwarderRequestConfig</c> (a cluster's <c>HttpRequest</c>).</summary>
internal sealed record YarpHttpRequest
{
    public TimeSpan? ActivityTimeout { get; init; }

    public Version? Version { get; init; }

    public HttpVersionPolicy? VersionPolicy { get; init; }

    public bool? AllowResponseBuffering { get; init; }
}

/// <summary>The cluster object's reader, generated at build time (no reflection: the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    UseStringEnumConverter = true,
    Converters = [typeof(HttpVersionJson)])]
[JsonSerializable(typeof(YarpCluster))]
internal sealed partial class YarpClusterJson : JsonSerializerContext;

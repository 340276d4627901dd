using System.Text.Json;

namespace Canary.Router.Configuration;

/// <summary>
/// Turns router.json text into <see cref="RouterOptions"/>, recording every shape problem (wrong type, unknown key,
/// malformed user key) on the way. Semantic rules (ranges, references between entities) are <see cref="RouterConfigValidator"/>'s.
/// </summary>
internal static class RouterConfigReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static RouterOptions? Read(string json, List<ConfigProblem> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            problems.Add(new ConfigProblem($"line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}", null, "is not valid JSON: " + e.Message));
            return null;
        }

        using (document)
        {
            var root = JsonSection.Open(document.RootElement, "", problems);
            var router = root?.Section("Router");
            root?.Complete();
            if (router is null)
            {
                if (root is not null)
                {
                    problems.Add(new ConfigProblem("Router", null, "is required"));
                }

                return null;
            }

            var options = ReadRouter(router, problems);
            router.Complete();
            return options;
        }
    }

    private static RouterOptions ReadRouter(JsonSection router, List<ConfigProblem> problems)
    {
        var cookie = router.Section("Cookie");
        var cookieOptions = cookie is null
            ? new AnonymousCookieOptions()
            : new AnonymousCookieOptions
            {
                Name = cookie.String("Name", OptionLimits.DefaultCookieName)!,
                MaxAgeDays = cookie.Integer("MaxAgeDays", OptionLimits.DefaultCookieMaxAgeDays),
            };
        cookie?.Complete();

        var auth = router.Section("Authentication");
        var jwt = auth is null
            ? null
            : new JwtOptions
            {
                Authority = auth.String("Authority"),
                Audience = auth.String("Audience"),
                Issuer = auth.String("Issuer"),
                SigningKey = auth.String("SigningKey"),
            };
        auth?.Complete();

        var notify = Notifications.NotifyReader.Read(router, problems);
        var tls = router.Section("Tls");
        var tlsOptions = tls is null
            ? null
            : new TlsOptions { CertificatePath = tls.String("CertificatePath") ?? "", KeyPath = tls.String("KeyPath"), Password = tls.String("Password") };
        tls?.Complete();

        var forwarded = router.Section("ForwardedHeaders");
        var forwardedOptions = forwarded is null
            ? null
            : new ForwardedHeadersTrust { KnownProxies = forwarded.Strings("KnownProxies"), KnownNetworks = forwarded.Strings("KnownNetworks") };
        forwarded?.Complete();

        var releases = new List<ReleaseOptions>();
        foreach (var (name, element, path) in router.Entries("Releases"))
        {
            var section = JsonSection.Open(element, path, problems);
            if (section is not null)
            {
                releases.Add(ReadRelease(name, section, jwt is not null, problems));
                section.Complete();
            }
        }

        if (!router.Has("Releases"))
        {
            problems.Add(new ConfigProblem(router.PathOf("Releases"), null, "is required: name at least one release"));
        }

        return new RouterOptions
        {
            PublicUrls = router.String("PublicUrls", OptionLimits.DefaultPublicUrls)!,
            AdminUrls = router.String("AdminUrls", OptionLimits.DefaultAdminUrls)!,
            StateFile = router.String("StateFile", OptionLimits.DefaultStateFile)!,
            Redis = router.String("Redis") is var redis && Environment.GetEnvironmentVariable(OptionLimits.RedisEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : redis,
            RedisKeyPrefix = router.String("RedisKeyPrefix", OptionLimits.DefaultRedisKeyPrefix)!,
            RecordRequests = router.Boolean("RecordRequests", true),
            Cookie = cookieOptions,
            Authentication = jwt,
            Notify = notify,
            Tls = tlsOptions,
            Http2Cleartext = router.Boolean("Http2Cleartext", false),
            ForwardedHeaders = forwardedOptions,
            Releases = releases,
        };
    }

    private static ReleaseOptions ReadRelease(string name, JsonSection release, bool hasAuthentication, List<ConfigProblem> problems)
    {
        var userKeys = new List<UserKeySource>();
        var keys = release.TryGet("UserKey", out var single) && single.ValueKind == JsonValueKind.String
            ? [(single, release.PathOf("UserKey"))] // One key, written as a plain string.
            : release.Items("UserKey");
        foreach (var (element, path) in keys)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                problems.Add(new ConfigProblem(path, JsonSection.Describe(element), "must be a string"));
            }
            else if (!TryParseSource(element.GetString()!, out var source))
            {
                problems.Add(new ConfigProblem(path, JsonSection.Describe(element), "must be header:NAME, cookie:NAME, query:NAME or claim:TYPE"));
            }
            else if (source.Kind == RequestValueKind.Claim && !hasAuthentication)
            {
                problems.Add(new ConfigProblem(path, JsonSection.Describe(element), "claim keys need Router.Authentication"));
            }
            else
            {
                userKeys.Add(source);
            }
        }

        var segments = new List<SegmentOptions>();
        var index = 0;
        foreach (var (element, path) in release.Items("Segments"))
        {
            var segment = JsonSection.Open(element, path, problems);
            if (segment is not null)
            {
                var read = ReadSegment(segment, index, hasAuthentication, problems);
                segment.Complete();
                if (read is not null)
                {
                    segments.Add(read);
                }
            }

            index++;
        }

        var guard = release.Section("Guard");
        var guardOptions = guard is null ? new GuardOptions() : ReadGuard(guard);
        guard?.Complete();

        var steps = new List<StepOptions>();
        foreach (var (element, path) in release.Items("Steps"))
        {
            var step = JsonSection.Open(element, path, problems);
            if (step is not null)
            {
                steps.Add(new StepOptions(step.Number("Weight", -1), step.Integer("HoldSeconds", 0)));
                step.Complete();
            }
        }

        var onInconclusive = InconclusivePolicy.Hold;
        if (release.String("OnInconclusive") is { } policy && !Enum.TryParse(policy, ignoreCase: true, out onInconclusive))
        {
            problems.Add(new ConfigProblem(release.PathOf("OnInconclusive"), $"\"{policy}\"", "must be Hold or Advance"));
        }

        var outage = release.Section("Outage");
        var outageOptions = outage is null ? null : new OutageOptions(outage.Integer("HoldSeconds", 10));
        outage?.Complete();

        var routes = new List<RouteOptions>();
        foreach (var (routeName, element, path) in release.Entries("Routes"))
        {
            var route = JsonSection.Open(element, path, problems);
            if (route is not null)
            {
                routes.Add(ReadRoute(name, routeName, route, problems));
                route.Complete();
            }
        }

        var goals = Experiments.GoalReader.Read(release, problems);
        return new ReleaseOptions
        {
            Name = name,
            Goals = goals,
            Stable = release.String("Stable") ?? "",
            Canary = release.String("Canary"),
            Weight = release.Number("Weight", steps.Count > 0 ? steps[0].Weight : 0),
            Steps = steps,
            OnInconclusive = onInconclusive,
            HealthPath = release.String("HealthPath", OptionLimits.DefaultHealthPath)!,
            Outage = outageOptions,
            UserKey = userKeys,
            Segments = segments,
            Guard = guardOptions,
            Routes = routes,
        };
    }

    private static SegmentOptions? ReadSegment(JsonSection segment, int index, bool hasAuthentication, List<ConfigProblem> problems)
    {
        var name = segment.String("Name") ?? "";
        var version = segment.String("Version") ?? "";
        var values = segment.Strings("Values");
        var sources = new List<UserKeySource>();
        foreach (var kind in Enum.GetValues<RequestValueKind>())
        {
            var key = segment.String(kind.ToString());
            if (key is not null)
            {
                sources.Add(new UserKeySource(kind, key));
            }
        }

        if (sources.Count != 1)
        {
            problems.Add(new ConfigProblem(segment.Path, null,
                $"must name exactly one of Header, Cookie, Query or Claim (found {sources.Count})"));
            return null;
        }

        if (sources[0].Kind == RequestValueKind.Claim && !hasAuthentication)
        {
            problems.Add(new ConfigProblem(segment.PathOf("Claim"), $"\"{sources[0].Name}\"", "claim segments need Router.Authentication"));
        }

        return new SegmentOptions { Name = name, Source = sources[0], Values = values, Version = version, Index = index };
    }

    private static GuardOptions ReadGuard(JsonSection guard) => new()
    {
        Enabled = guard.Boolean("Enabled", true),
        WindowSeconds = guard.Integer("WindowSeconds", OptionLimits.DefaultGuardWindowSeconds),
        MinRequests = guard.Integer("MinRequests", OptionLimits.DefaultGuardMinRequests),
        MaxErrorRate = guard.Number("MaxErrorRate", OptionLimits.DefaultGuardMaxErrorRate),
        MaxP99Ms = guard.Number("MaxP99Ms", OptionLimits.DefaultGuardMaxP99Ms),
        MaxErrorRateAboveStable = guard.Number("MaxErrorRateAboveStable", OptionLimits.DefaultGuardMaxErrorRateAboveStable),
        FalseRollbackRate = guard.Number("FalseRollbackRate", OptionLimits.DefaultGuardFalseRollbackRate),
    };

    private static RouteOptions ReadRoute(string release, string name, JsonSection route, List<ConfigProblem> problems)
    {
        var versions = new Dictionary<string, YarpCluster>(StringComparer.Ordinal);
        foreach (var (version, element, path) in route.Entries("Versions"))
        {
            var clusterId = ClusterIds.For(release, name, version);
            var cluster = ReadCluster(clusterId, element, path, problems);
            if (cluster is not null)
            {
                versions[version] = cluster;
            }
        }

        var transforms = new List<IReadOnlyDictionary<string, string>>();
        foreach (var (element, path) in route.Items("Transforms"))
        {
            transforms.Add(ReadStringMap(element, path, problems));
        }

        double? timeout = route.Has("TimeoutSeconds") ? route.Number("TimeoutSeconds", double.NaN) : null;
        return new RouteOptions
        {
            Name = name,
            Path = route.String("Path") ?? "",
            Hosts = route.Strings("Hosts"),
            MaxRequestBodySize = route.Has("MaxRequestBodySize") ? route.Long("MaxRequestBodySize", 0) : null,
            TimeoutSeconds = timeout is double.NaN ? null : timeout,
            TimeoutPolicy = route.String("TimeoutPolicy"),
            AuthorizationPolicy = route.String("AuthorizationPolicy"),
            CorsPolicy = route.String("CorsPolicy"),
            RateLimiterPolicy = route.String("RateLimiterPolicy"),
            Transforms = transforms,
            Metadata = route.TryGet("Metadata", out var metadata) ? ReadStringMap(metadata, route.PathOf("Metadata"), problems) : new Dictionary<string, string>(),
            Versions = versions,
        };
    }

    /// <summary>A JSON object of string values (a transform, the metadata), every other value a problem.</summary>
    private static Dictionary<string, string> ReadStringMap(JsonElement element, string path, List<ConfigProblem> problems)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(path, JsonSection.Describe(element), "must be an object of string values"));
            return map;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                map[property.Name] = property.Value.GetString()!;
            }
            else
            {
                problems.Add(new ConfigProblem($"{path}.{property.Name}", JsonSection.Describe(property.Value), "must be a string"));
            }
        }

        return map;
    }

    /// <summary>A version is either a list of addresses or a full YARP cluster object.</summary>
    private static YarpCluster? ReadCluster(string clusterId, JsonElement element, string path, List<ConfigProblem> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                var destinations = new Dictionary<string, YarpDestination>(StringComparer.OrdinalIgnoreCase);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        destinations[$"d{index}"] = new YarpDestination { Address = item.GetString()! };
                        CheckAddress($"{path}[{index}]", item.GetString()!, problems);
                    }
                    else
                    {
                        problems.Add(new ConfigProblem($"{path}[{index}]", JsonSection.Describe(item), "must be an address string"));
                    }

                    index++;
                }

                return new YarpCluster { ClusterId = clusterId, Destinations = destinations };
            case JsonValueKind.Object:
                try
                {
                    var cluster = element.Deserialize(YarpClusterJson.Default.YarpCluster)!;
                    var complete = true;
                    foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, YarpDestination>())
                    {
                        if (destination is null)
                        {
                            // JSON null deserializes to a null entry: a problem, not a crash further on.
                            problems.Add(new ConfigProblem($"{path}.Destinations.{id}", "null", "must be a destination object with an Address"));
                            complete = false;
                            continue;
                        }

                        CheckAddress($"{path}.Destinations.{id}.Address", destination.Address, problems);
                    }

                    return complete ? cluster with { ClusterId = clusterId } : null;
                }
                catch (JsonException e)
                {
                    problems.Add(new ConfigProblem(path, "{...}", "is not a valid YARP cluster: " + e.Message));
                    return null;
                }

            default:
                problems.Add(new ConfigProblem(path, JsonSection.Describe(element), "must be a list of addresses or a YARP cluster object"));
                return null;
        }
    }

    private static void CheckAddress(string path, string? address, List<ConfigProblem> problems)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add(new ConfigProblem(path, $"\"{address}\"", "must be an absolute http:// or https:// address"));
        }
    }

    public static bool TryParseSource(string text, out UserKeySource source)
    {
        source = null!;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1
            || !Enum.TryParse<RequestValueKind>(text.AsSpan(0, colon), ignoreCase: true, out var kind)
            || !Enum.IsDefined(kind))
        {
            return false;
        }

        source = new UserKeySource(kind, text[(colon + 1)..].Trim());
        return source.Name.Length > 0;
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Canary.Router.Configuration;

/// <summary>
/// The semantic rules of router.json. Like YARP's ConfigValidator it reports every problem at once,
/// each naming the entity and field, so an operator fixes the file in one pass.
/// </summary>
internal static partial class RouterConfigValidator
{
    public static void Validate(RouterOptions options, List<ConfigProblem> problems)
    {
        CheckUrls("Router.PublicUrls", options.PublicUrls, problems);
        CheckUrls("Router.AdminUrls", options.AdminUrls, problems);
        if (string.IsNullOrWhiteSpace(options.StateFile))
        {
            problems.Add(new ConfigProblem("Router.StateFile", Quote(options.StateFile), "must name a file"));
        }

        CheckRedis(options, problems);
        if (!Name().IsMatch(options.Cookie.Name))
        {
            problems.Add(new ConfigProblem("Router.Cookie.Name", Quote(options.Cookie.Name), "must be a cookie token (letters, digits, - _ .)"));
        }

        CheckRange("Router.Cookie.MaxAgeDays", options.Cookie.MaxAgeDays, OptionLimits.MinCookieMaxAgeDays, OptionLimits.MaxCookieMaxAgeDays, problems);
        CheckAuthentication(options.Authentication, problems);
        Notifications.NotifyValidator.Validate(options.Notify, problems);
        CheckTls(options, problems);
        CheckForwardedHeaders(options.ForwardedHeaders, problems);

        if (options.Releases.Count == 0)
        {
            problems.Add(new ConfigProblem("Router.Releases", null, "must name at least one release"));
        }

        var routeKeys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var release in options.Releases)
        {
            CheckRelease(release, routeKeys, problems);
        }
    }

    private static void CheckRelease(ReleaseOptions release, Dictionary<string, string> routeKeys, List<ConfigProblem> problems)
    {
        var path = $"Router.Releases.{release.Name}";
        if (!Name().IsMatch(release.Name))
        {
            problems.Add(new ConfigProblem(path, null, "release names use letters, digits, '-', '_' and '.' only"));
        }
        else if (release.Name is "." or "..")
        {
            // A URL path segment of "." or ".." is removed before routing: /admin/releases/{name} could never reach it.
            problems.Add(new ConfigProblem(path, Quote(release.Name), "cannot be '.' or '..': the admin API addresses a release by its name in the URL path"));
        }

        if (release.Routes.Count == 0)
        {
            problems.Add(new ConfigProblem($"{path}.Routes", null, "must name at least one route"));
        }

        if (string.IsNullOrWhiteSpace(release.Stable))
        {
            problems.Add(new ConfigProblem($"{path}.Stable", null, "is required"));
        }
        else
        {
            CheckVersionServed(release, $"{path}.Stable", release.Stable, problems);
        }

        if (release.Canary is not null)
        {
            if (release.Canary == release.Stable)
            {
                problems.Add(new ConfigProblem($"{path}.Canary", Quote(release.Canary), "must differ from Stable"));
            }
            else
            {
                CheckVersionServed(release, $"{path}.Canary", release.Canary, problems);
            }
        }

        if (release.Weight is < OptionLimits.MinWeight or > OptionLimits.MaxWeight)
        {
            problems.Add(new ConfigProblem($"{path}.Weight", JsonSection.Describe(release.Weight), $"must be between {OptionLimits.MinWeight} and {OptionLimits.MaxWeight}"));
        }
        else if (release.Canary is null && release.Weight > 0)
        {
            problems.Add(new ConfigProblem($"{path}.Weight", JsonSection.Describe(release.Weight), "needs a Canary version to send users to"));
        }

        CheckSegments(release, path, problems);
        CheckSteps(release, path, problems);
        if (!release.HealthPath.StartsWith('/'))
        {
            problems.Add(new ConfigProblem($"{path}.HealthPath", Quote(release.HealthPath), "must start with '/'"));
        }

        if (release.Outage is { } outage)
        {
            CheckRange($"{path}.Outage.HoldSeconds", outage.HoldSeconds, OptionLimits.MinOutageHoldSeconds, OptionLimits.MaxOutageHoldSeconds, problems);
        }

        CheckGuard(release.Guard, $"{path}.Guard", problems);
        Experiments.GoalValidator.Validate(release, path, problems);
        foreach (var route in release.Routes)
        {
            CheckRoute(route, $"{path}.Routes.{route.Name}", routeKeys, problems);
        }
    }

    private static void CheckSegments(ReleaseOptions release, string path, List<ConfigProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in release.Segments)
        {
            var at = $"{path}.Segments[{segment.Index}]";
            if (string.IsNullOrWhiteSpace(segment.Name))
            {
                problems.Add(new ConfigProblem($"{at}.Name", null, "is required"));
            }
            else if (!names.Add(segment.Name))
            {
                problems.Add(new ConfigProblem($"{at}.Name", Quote(segment.Name), "is used by another segment of this release"));
            }

            if (segment.Values.Count == 0 || segment.Values.Any(string.IsNullOrEmpty))
            {
                problems.Add(new ConfigProblem($"{at}.Values", null, "must list at least one non-empty value"));
            }

            if (string.IsNullOrWhiteSpace(segment.Version))
            {
                problems.Add(new ConfigProblem($"{at}.Version", null, "is required"));
            }
            else
            {
                CheckVersionServed(release, $"{at}.Version", segment.Version, problems);
            }
        }
    }

    private static void CheckSteps(ReleaseOptions release, string path, List<ConfigProblem> problems)
    {
        if (release.Steps.Count == 0)
        {
            return;
        }

        if (release.Canary is null)
        {
            problems.Add(new ConfigProblem($"{path}.Steps", null, "need a Canary version to step towards"));
        }

        if (release.Weight != release.Steps[0].Weight)
        {
            problems.Add(new ConfigProblem($"{path}.Weight", JsonSection.Describe(release.Weight), $"must be left out or equal the first step's weight ({JsonSection.Describe(release.Steps[0].Weight)})"));
        }

        for (var i = 0; i < release.Steps.Count; i++)
        {
            var step = release.Steps[i];
            var at = $"{path}.Steps[{i}]";
            if (step.Weight is <= OptionLimits.MinWeight or > OptionLimits.MaxWeight)
            {
                problems.Add(new ConfigProblem($"{at}.Weight", JsonSection.Describe(step.Weight), $"must be above {OptionLimits.MinWeight} and at most {OptionLimits.MaxWeight}"));
            }
            else if (i > 0 && step.Weight <= release.Steps[i - 1].Weight)
            {
                problems.Add(new ConfigProblem($"{at}.Weight", JsonSection.Describe(step.Weight), "must be above the previous step's weight"));
            }

            CheckRange($"{at}.HoldSeconds", step.HoldSeconds, OptionLimits.MinStepHoldSeconds, OptionLimits.MaxStepHoldSeconds, problems);
        }
    }

    private static void CheckGuard(GuardOptions guard, string path, List<ConfigProblem> problems)
    {
        CheckRange($"{path}.WindowSeconds", guard.WindowSeconds, OptionLimits.MinGuardWindowSeconds, OptionLimits.MaxGuardWindowSeconds, problems);
        CheckRange($"{path}.MinRequests", guard.MinRequests, OptionLimits.MinGuardMinRequests, OptionLimits.MaxGuardMinRequests, problems);
        CheckRange($"{path}.MaxErrorRate", guard.MaxErrorRate, 0, 1, problems);
        CheckRange($"{path}.MaxErrorRateAboveStable", guard.MaxErrorRateAboveStable, 0, 1, problems);
        CheckRange($"{path}.MaxP99Ms", guard.MaxP99Ms, OptionLimits.MinGuardMaxP99Ms, OptionLimits.MaxGuardMaxP99Ms, problems);
        CheckRange($"{path}.FalseRollbackRate", guard.FalseRollbackRate, OptionLimits.MinGuardFalseRollbackRate, OptionLimits.MaxGuardFalseRollbackRate, problems);
    }

    private static void CheckRoute(RouteOptions route, string path, Dictionary<string, string> routeKeys, List<ConfigProblem> problems)
    {
        if (!Name().IsMatch(route.Name))
        {
            problems.Add(new ConfigProblem(path, null, "route names use letters, digits, '-', '_' and '.' only"));
        }

        if (!route.Path.StartsWith('/'))
        {
            problems.Add(new ConfigProblem($"{path}.Path", Quote(route.Path), "must start with '/'"));
        }
        else if (route.Path.StartsWith(Experiments.RouterPaths.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ConfigProblem($"{path}.Path", Quote(route.Path), $"must not start with {Experiments.RouterPaths.Prefix}: the router answers those paths itself"));
        }

        var key = route.Path + " " + string.Join(',', route.Hosts.Order(StringComparer.OrdinalIgnoreCase));
        if (!routeKeys.TryAdd(key, path))
        {
            problems.Add(new ConfigProblem($"{path}.Path", Quote(route.Path), $"is already matched by {routeKeys[key]}"));
        }

        if (route.MaxRequestBodySize is { } limit && limit != OptionLimits.NoRequestBodyLimit && limit < OptionLimits.MinRequestBodySize)
        {
            problems.Add(new ConfigProblem($"{path}.MaxRequestBodySize", JsonSection.Describe(limit), $"must be {OptionLimits.NoRequestBodyLimit} (no limit) or at least {OptionLimits.MinRequestBodySize} byte"));
        }

        if (route.TimeoutSeconds is { } timeout)
        {
            CheckRange($"{path}.TimeoutSeconds", timeout, OptionLimits.MinRouteTimeoutSeconds, OptionLimits.MaxRouteTimeoutSeconds, problems);
            if (route.TimeoutPolicy is not null)
            {
                problems.Add(new ConfigProblem($"{path}.TimeoutPolicy", Quote(route.TimeoutPolicy), "cannot be set together with TimeoutSeconds"));
            }
        }

        foreach (var (field, policy) in new[] { ("TimeoutPolicy", route.TimeoutPolicy), ("AuthorizationPolicy", route.AuthorizationPolicy), ("CorsPolicy", route.CorsPolicy), ("RateLimiterPolicy", route.RateLimiterPolicy) })
        {
            if (policy is not null && string.IsNullOrWhiteSpace(policy))
            {
                problems.Add(new ConfigProblem($"{path}.{field}", Quote(policy), "must name a policy (or be left out)"));
            }
        }

        for (var i = 0; i < route.Transforms.Count; i++)
        {
            if (route.Transforms[i].Count == 0)
            {
                problems.Add(new ConfigProblem($"{path}.Transforms[{i}]", "{}", "must name a transform, e.g. {\"PathPrefix\": \"/v1\"}"));
            }
        }

        if (route.Versions.Count == 0)
        {
            problems.Add(new ConfigProblem($"{path}.Versions", null, "must name at least one version"));
        }

        foreach (var (version, cluster) in route.Versions)
        {
            var at = $"{path}.Versions.{version}";
            if (!Name().IsMatch(version))
            {
                problems.Add(new ConfigProblem(at, null, "version names use letters, digits, '-', '_' and '.' only"));
            }

            // Addresses are checked by the reader, which knows how the file wrote them (a list, or a cluster object).
            if (cluster.Destinations is null || cluster.Destinations.Count == 0)
            {
                problems.Add(new ConfigProblem(at, null, "must list at least one destination address"));
            }
        }
    }

    private static void CheckVersionServed(ReleaseOptions release, string path, string version, List<ConfigProblem> problems)
    {
        var missing = release.Routes.Where(r => !r.Versions.ContainsKey(version)).Select(r => r.Name).ToList();
        if (missing.Count > 0)
        {
            problems.Add(new ConfigProblem(path, Quote(version), $"is not a version of route(s) {string.Join(", ", missing)}: every route of a release must serve it"));
        }
    }

    private static void CheckUrls(string path, string urls, List<ConfigProblem> problems)
    {
        var parts = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            problems.Add(new ConfigProblem(path, Quote(urls), "must list at least one URL"));
        }

        foreach (var part in parts)
        {
            // Kestrel's own forms: http://host:port, with host possibly * or +, which Uri does not parse.
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add(new ConfigProblem(path, Quote(part), "must be an http:// or https:// URL with a port"));
            }
        }
    }

    private static void CheckRedis(RouterOptions options, List<ConfigProblem> problems)
    {
        // The value is never quoted back: a configuration string may carry a password.
        if (options.Redis is { } redis)
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            }
            catch (ArgumentException e)
            {
                problems.Add(new ConfigProblem("Router.Redis", null, $"is not a StackExchange.Redis configuration string ({e.Message.Split('\n')[0]}); {OptionLimits.RedisEnvironmentVariable} overrides it"));
            }
        }

        if (options.RedisKeyPrefix.Length is 0 or > OptionLimits.MaxRedisKeyPrefixLength || options.RedisKeyPrefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problems.Add(new ConfigProblem("Router.RedisKeyPrefix", Quote(options.RedisKeyPrefix), $"must be 1 to {OptionLimits.MaxRedisKeyPrefixLength} characters without spaces"));
        }
    }

    private static void CheckAuthentication(JwtOptions? jwt, List<ConfigProblem> problems)
    {
        if (jwt is null)
        {
            return;
        }

        if (jwt.Authority is null && jwt.SigningKey is null)
        {
            problems.Add(new ConfigProblem("Router.Authentication", null, "needs Authority or SigningKey"));
        }

        if (jwt.SigningKey is not null && Encoding.UTF8.GetByteCount(jwt.SigningKey) < OptionLimits.MinJwtSigningKeyBytes)
        {
            problems.Add(new ConfigProblem("Router.Authentication.SigningKey", "(hidden)", $"must be at least {OptionLimits.MinJwtSigningKeyBytes} bytes"));
        }

        if (jwt.Authority is not null && !Uri.TryCreate(jwt.Authority, UriKind.Absolute, out _))
        {
            problems.Add(new ConfigProblem("Router.Authentication.Authority", Quote(jwt.Authority), "must be an absolute URL"));
        }
    }

    private static void CheckTls(RouterOptions options, List<ConfigProblem> problems)
    {
        if (options.Tls is { } tls)
        {
            if (string.IsNullOrWhiteSpace(tls.CertificatePath))
            {
                problems.Add(new ConfigProblem("Router.Tls.CertificatePath", null, "is required: a PEM certificate (with KeyPath) or a PFX file"));
            }

            if (!options.PublicUrls.Contains("https://", StringComparison.OrdinalIgnoreCase) && !options.AdminUrls.Contains("https://", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new ConfigProblem("Router.Tls", null, "needs an https:// URL in PublicUrls or AdminUrls to serve it on"));
            }
        }

        if (options.Http2Cleartext && !options.PublicUrls.Contains("http://", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ConfigProblem("Router.Http2Cleartext", "true", "needs an http:// URL in PublicUrls: h2c is HTTP/2 without TLS"));
        }
    }

    private static void CheckForwardedHeaders(ForwardedHeadersTrust? forwarded, List<ConfigProblem> problems)
    {
        if (forwarded is null)
        {
            return;
        }

        if (forwarded.KnownProxies.Count == 0 && forwarded.KnownNetworks.Count == 0)
        {
            problems.Add(new ConfigProblem("Router.ForwardedHeaders", null, "must list KnownProxies or KnownNetworks: forwarded headers are believed only from them"));
        }

        for (var i = 0; i < forwarded.KnownProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(forwarded.KnownProxies[i], out _))
            {
                problems.Add(new ConfigProblem($"Router.ForwardedHeaders.KnownProxies[{i}]", Quote(forwarded.KnownProxies[i]), "must be an IP address"));
            }
        }

        for (var i = 0; i < forwarded.KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(forwarded.KnownNetworks[i], out _))
            {
                problems.Add(new ConfigProblem($"Router.ForwardedHeaders.KnownNetworks[{i}]", Quote(forwarded.KnownNetworks[i]), "must be a network in CIDR form, e.g. 10.0.0.0/8"));
            }
        }
    }

    private static void CheckRange(string path, double value, double min, double max, List<ConfigProblem> problems)
    {
        if (value < min || value > max)
        {
            problems.Add(new ConfigProblem(path, JsonSection.Describe(value), $"must be between {JsonSection.Describe(min)} and {JsonSection.Describe(max)}"));
        }
    }

    private static string Quote(string? text) => "\"" + text + "\"";

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex Name();
}

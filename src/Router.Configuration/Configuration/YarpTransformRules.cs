namespace Canary.Router.Configuration;

/// <summary>
/// YARP 2.3's rules for a route's transforms, with YARP's words, checked without YARP so <c>canary validate</c> lists
/// them too: its built-in factories' <c>Validate</c> (tried in YARP's order, the first factory that knows a key decides),
/// "Unknown transform" when none does, and what their <c>Build</c> refuses after validation passed (YARP then fails
/// to load the config at start and keeps the old one at a reload). The router registers no transform factory of its
/// own. <c>YarpConfigChecker</c> asks YARP itself after these; a parity test in Cli.Tests compares the two.
/// </summary>
internal static class YarpTransformRules
{
    /// <summary>A factory's <c>Validate</c> for one key: adds YARP's errors, in its order.</summary>
    private delegate void Rule(IReadOnlyDictionary<string, string> transform, List<string> errors);

    /// <param name="Key">The key that selects the transform.</param>
    /// <param name="Named">Keys whose value the built transform needs non-empty, and the constructor parameter it fills.</param>
    private sealed record Kind(string Key, Rule Validate, params (string[] Keys, string Parameter)[] Named);

    private static readonly string[] SetOrAppend = ["Set", "Append"];
    private static readonly string[] XForwardedHeaders = ["For", "Prefix", "Host", "Proto"];
    private static readonly string[] ForwardedTokens = ["By", "Host", "Proto", "For"];

    // YARP's factory registration order (Forwarded, HttpMethod, Path, Query, RequestHeaders, Response), each factory's keys in its own order.
    private static readonly Kind[] Kinds =
    [
        new("X-Forwarded", XForwarded),
        new("Forwarded", Forwarded),
        new("ClientCert", Alone, (["ClientCert"], "headerName")),
        new("HttpMethodChange", HttpMethodChange, (["HttpMethodChange"], "fromMethod"), (["Set"], "toMethod")),
        new("PathSet", Alone),
        new("PathPrefix", Alone),
        new("PathRemovePrefix", Alone),
        new("PathPattern", Alone),
        new("QueryValueParameter", (t, e) => WithValue(t, e, "QueryValueParameter", "Expected 'Append' or 'Set'."), (["QueryValueParameter"], "key")),
        new("QueryRouteParameter", (t, e) => WithValue(t, e, "QueryRouteParameter", "Expected 'Append' or 'Set'."), (["QueryRouteParameter"], "key"), (SetOrAppend, "routeValueKey")),
        new("QueryRemoveParameter", Alone, (["QueryRemoveParameter"], "key")),
        new("RequestHeadersCopy", (t, e) => Flag(t, e, "RequestHeadersCopy", "RequestHeaderCopy")),
        new("RequestHeaderOriginalHost", (t, e) => Flag(t, e, "RequestHeaderOriginalHost", "RequestHeaderOriginalHost")),
        new("RequestHeader", (t, e) => WithValue(t, e, "RequestHeader", "Expected 'Set' or 'Append'"), (["RequestHeader"], "headerName")),
        new("RequestHeaderRouteValue", (t, e) => WithValue(t, e, "RequestHeaderFromRoute", "Expected 'Set' or 'Append'."), (["RequestHeaderRouteValue"], "headerName"), (SetOrAppend, "routeValueKey")),
        new("RequestHeaderRemove", Alone, (["RequestHeaderRemove"], "headerName")),
        new("RequestHeadersAllowed", Alone),
        new("ResponseHeadersCopy", (t, e) => Flag(t, e, "ResponseHeadersCopy", "ResponseHeadersCopy")),
        new("ResponseTrailersCopy", (t, e) => Flag(t, e, "ResponseTrailersCopy", "ResponseTrailersCopy")),
        new("ResponseHeader", (t, e) => Response(t, e, "ResponseHeader", withValue: true), (["ResponseHeader"], "headerName")),
        new("ResponseTrailer", (t, e) => Response(t, e, "ResponseTrailer", withValue: true), (["ResponseTrailer"], "headerName")),
        new("ResponseHeaderRemove", (t, e) => Response(t, e, "ResponseHeaderRemove", withValue: false), (["ResponseHeaderRemove"], "headerName")),
        new("ResponseTrailerRemove", (t, e) => Response(t, e, "ResponseTrailerRemove", withValue: false), (["ResponseTrailerRemove"], "headerName")),
        new("ResponseHeadersAllowed", Alone),
        new("ResponseTrailersAllowed", Alone),
    ];

    // YARP's enums, so Enum.TryParse accepts what YARP's does (any case where YARP ignores it, numbers, "A, B").
    private enum ForwardedTransformActions { Off, Set, Append, Remove }

    private enum NodeFormat { None, Random, RandomAndPort, RandomAndRandomPort, Unknown, UnknownAndPort, UnknownAndRandomPort, Ip, IpAndPort, IpAndRandomPort }

    private enum ResponseCondition { Always, Success, Failure }

    /// <summary>YARP's errors for one transform object: its validator's, or else what building it throws; empty when YARP takes it.</summary>
    public static IReadOnlyList<string> Errors(IReadOnlyDictionary<string, string> transform)
    {
        if (Array.Find(Kinds, k => transform.ContainsKey(k.Key)) is not { } kind)
        {
            return [$"Unknown transform: {Keys(transform)}"];
        }

        var errors = new List<string>();
        kind.Validate(transform, errors);
        if (errors.Count == 0 && BuildError(kind, transform) is { } error)
        {
            errors.Add(error);
        }

        return errors;
    }

    /// <summary>What the router says when ASP.NET Core's route pattern parser refuses a <c>PathPattern</c> (YARP's builder passes the parser's own exception on).</summary>
    public static string InvalidPathPattern(string pattern) => $"Invalid path pattern '{pattern}'.";

    private static string? BuildError(Kind kind, IReadOnlyDictionary<string, string> transform)
    {
        foreach (var (keys, parameter) in kind.Named)
        {
            if (keys.FirstOrDefault(transform.ContainsKey) is { } key && transform[key].Length == 0)
            {
                return new ArgumentException($"'{parameter}' cannot be null or empty.", parameter).Message;
            }
        }

        switch (kind.Key)
        {
            case "PathPattern":
                // The builder makes the pattern a path (a leading '/') and parses it as a route template.
                var pattern = transform["PathPattern"];
                return RouteTemplate.IsValid(pattern.StartsWith('/') ? pattern : "/" + pattern) ? null : InvalidPathPattern(pattern);
            case "Forwarded":
                // The validator counts ForFormat and ByFormat always; the builder only when 'for' / 'by' is forwarded.
                var tokens = Tokens(transform["Forwarded"]);
                var expected = 1 + Count(transform, "Action")
                    + (tokens.Contains("For", StringComparer.OrdinalIgnoreCase) ? Count(transform, "ForFormat") : 0)
                    + (tokens.Contains("By", StringComparer.OrdinalIgnoreCase) ? Count(transform, "ByFormat") : 0);
                return transform.Count > expected ? TooManyMessage(transform) : null;
            default:
                return null;
        }
    }

    private static void Alone(IReadOnlyDictionary<string, string> transform, List<string> errors) => TooMany(transform, 1, errors);

    private static void TooMany(IReadOnlyDictionary<string, string> transform, int expected, List<string> errors)
    {
        if (transform.Count > expected)
        {
            errors.Add(TooManyMessage(transform));
        }
    }

    private static string TooManyMessage(IReadOnlyDictionary<string, string> transform) => "The transform contains more parameters than expected: " + Keys(transform);

    private static string Keys(IReadOnlyDictionary<string, string> transform) => string.Join(';', transform.Keys);

    private static int Count(IReadOnlyDictionary<string, string> transform, string key) => transform.ContainsKey(key) ? 1 : 0;

    private static string[] Tokens(string forwarded) => forwarded.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A header or query value transform: its name, and a value to set or append.</summary>
    private static void WithValue(IReadOnlyDictionary<string, string> transform, List<string> errors, string name, string expected)
    {
        TooMany(transform, 2, errors);
        if (!SetOrAppend.Any(transform.ContainsKey))
        {
            errors.Add($"Unexpected parameters for {name}: {Keys(transform)}. {expected}");
        }
    }

    private static void Flag(IReadOnlyDictionary<string, string> transform, List<string> errors, string key, string name)
    {
        TooMany(transform, 1, errors);
        if (!bool.TryParse(transform[key], out _))
        {
            errors.Add($"Unexpected value for {name}: {transform[key]}. Expected 'true' or 'false'");
        }
    }

    private static void HttpMethodChange(IReadOnlyDictionary<string, string> transform, List<string> errors)
    {
        // YARP's validator throws here rather than collecting the error: the error is the only one.
        if (transform.Count > 2)
        {
            TooMany(transform, 2, errors);
        }
        else if (!transform.ContainsKey("Set"))
        {
            errors.Add($"Unexpected parameters for HttpMethod: {Keys(transform)}. Expected 'Set'");
        }
    }

    private static void Response(IReadOnlyDictionary<string, string> transform, List<string> errors, string name, bool withValue)
    {
        var parameters = withValue ? 2 : 1;
        if (transform.TryGetValue("When", out var when))
        {
            TooMany(transform, parameters + 1, errors);
            if (!Enum.TryParse<ResponseCondition>(when, ignoreCase: true, out _))
            {
                errors.Add($"Unexpected value for {name}:When: {when}. Expected 'Always', 'Success', or 'Failure'");
            }
        }
        else
        {
            TooMany(transform, parameters, errors);
        }

        if (withValue && !SetOrAppend.Any(transform.ContainsKey))
        {
            errors.Add($"Unexpected parameters for {name}: {Keys(transform)}. Expected 'Set' or 'Append'");
        }
    }

    private static void XForwarded(IReadOnlyDictionary<string, string> transform, List<string> errors)
    {
        AddActionError(errors, "X-Forwarded", transform["X-Forwarded"]);
        var expected = 1 + Count(transform, "HeaderPrefix");
        foreach (var header in XForwardedHeaders)
        {
            if (transform.TryGetValue(header, out var action))
            {
                expected++;
                AddActionError(errors, header, action);
            }
        }

        TooMany(transform, expected, errors);
    }

    private static void Forwarded(IReadOnlyDictionary<string, string> transform, List<string> errors)
    {
        var expected = 1;
        if (transform.TryGetValue("Action", out var action))
        {
            expected++;
            AddActionError(errors, "Forwarded:Action", action);
        }

        foreach (var key in (string[])["ForFormat", "ByFormat"])
        {
            if (transform.TryGetValue(key, out var format))
            {
                expected++;
                if (!Enum.TryParse<NodeFormat>(format, ignoreCase: true, out _))
                {
                    errors.Add($"Unexpected value for Forwarded:{key}: {format}. Expected: Random,RandomAndPort,Unknown,UnknownAndPort,Ip,IpAndPort");
                }
            }
        }

        TooMany(transform, expected, errors);
        foreach (var token in Tokens(transform["Forwarded"]))
        {
            if (!ForwardedTokens.Contains(token, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"Unexpected value for X-Forwarded: {token}. Expected 'for', 'host', 'proto', or 'by'");
            }
        }
    }

    private static void AddActionError(List<string> errors, string key, string action)
    {
        if (!Enum.TryParse<ForwardedTransformActions>(action, out _))
        {
            errors.Add($"Unexpected value for {key}: {action}. Expected one of ForwardedTransformActions");
        }
    }
}

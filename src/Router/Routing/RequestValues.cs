using Canary.Router.Configuration;
using Microsoft.Extensions.Primitives;

namespace Canary.Router.Routing;

/// <summary>Reads a user key or segment value from the request: a header, cookie, query parameter or claim.</summary>
internal static class RequestValues
{
    /// <summary>The first non-empty value of the source, or null.</summary>
    public static string? First(HttpContext context, UserKeySource source) => source.Kind switch
    {
        RequestValueKind.Header => FirstNonEmpty(context.Request.Headers[source.Name]),
        RequestValueKind.Query => FirstNonEmpty(context.Request.Query[source.Name]),
        RequestValueKind.Cookie => NullIfEmpty(context.Request.Cookies[source.Name]),
        RequestValueKind.Claim => NullIfEmpty(context.User.FindFirst(source.Name)?.Value),
        _ => null,
    };

    /// <summary>The first source of the list that has a value: the user's key.</summary>
    public static string? FirstOf(HttpContext context, IReadOnlyList<UserKeySource> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (First(context, sources[i]) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Whether any value of the source equals one of <paramref name="accepted"/>, ignoring case.</summary>
    public static bool AnyIn(HttpContext context, UserKeySource source, IReadOnlyList<string> accepted) => source.Kind switch
    {
        RequestValueKind.Header => AnyIn(context.Request.Headers[source.Name], accepted),
        RequestValueKind.Query => AnyIn(context.Request.Query[source.Name], accepted),
        _ => First(context, source) is { } value && Contains(accepted, value),
    };

    private static bool AnyIn(StringValues values, IReadOnlyList<string> accepted)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } value && Contains(accepted, value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyList<string> accepted, string value)
    {
        for (var i = 0; i < accepted.Count; i++)
        {
            if (string.Equals(accepted[i], value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? FirstNonEmpty(StringValues values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!string.IsNullOrEmpty(values[i]))
            {
                return values[i];
            }
        }

        return null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

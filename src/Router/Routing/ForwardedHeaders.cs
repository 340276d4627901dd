using Canary.Router.Metrics;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Canary.Router.Routing;

/// <summary>
/// What the router does to headers on the way through, besides YARP's defaults: the fields a <c>Connection</c> header
/// names are hop-by-hop and go no further (RFC 9110 7.6.1), and the router's own error answers say
/// <c>X-Content-Type-Options: nosniff</c>.
/// </summary>
internal static class ForwardedHeaders
{
    public const string NoSniff = "nosniff";

    /// <summary>Request side: runs after YARP copied the client's headers, before it adds its X-Forwarded-* ones.</summary>
    public static ValueTask DropConnectionNamed(RequestTransformContext context)
    {
        var connection = context.HttpContext.Request.Headers.Connection;
        if (connection.Count > 1 || (connection.Count == 1 && !IsOnlyAnOption(connection[0])))
        {
            foreach (var name in ConnectionOptions(connection))
            {
                context.ProxyRequest.Headers.Remove(name);
                context.ProxyRequest.Content?.Headers.Remove(name);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Response side: a backend's Connection-named fields are dropped; an answer the router made itself (the
    /// forward failed) is marked nosniff, and one for a request that could not be built from what the client sent
    /// becomes 400 rather than YARP's 502.
    /// </summary>
    public static ValueTask OnResponse(ResponseTransformContext context)
    {
        var response = context.HttpContext.Response;
        if (context.ProxyResponse is { } proxied)
        {
            if (proxied.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var connection))
            {
                foreach (var name in ConnectionOptions(connection))
                {
                    response.Headers.Remove(name);
                }
            }

            return ValueTask.CompletedTask;
        }

        response.Headers.XContentTypeOptions = NoSniff;
        if (context.HttpContext.GetForwarderErrorFeature() is { } error && StatusClasses.CouldNotBeBuilt(error.Error, error.Exception) && !response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The header names a Connection header lists, less the ones YARP handles itself.</summary>
    internal static IEnumerable<string> ConnectionOptions(IEnumerable<string?> connection)
    {
        foreach (var value in connection)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (IsDroppable(token))
                {
                    yield return token;
                }
            }
        }
    }

    // The common case, "Connection: keep-alive", costs no allocation.
    private static bool IsOnlyAnOption(string? value) =>
        value is null || value.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) || value.Equals("close", StringComparison.OrdinalIgnoreCase)
        || value.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase);

    // close, keep-alive and upgrade are connection options YARP already handles (Upgrade it re-adds for WebSockets);
    // the router's own headers are not the client's or the backend's to remove. A token that is not a valid field
    // name names no field.
    private static bool IsDroppable(string name) =>
        name.Length > 0
        && !name.Equals("close", StringComparison.OrdinalIgnoreCase)
        && !name.Equals(HeaderNames.KeepAlive, StringComparison.OrdinalIgnoreCase)
        && !name.Equals(HeaderNames.Upgrade, StringComparison.OrdinalIgnoreCase)
        && !name.Equals(CanaryHeaders.Version, StringComparison.OrdinalIgnoreCase)
        && !name.Equals(HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase)
        && !name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
        && !name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase)
        && IsToken(name);

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (c > 0x7e || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

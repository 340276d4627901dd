using Yarp.ReverseProxy.Transforms;

namespace Canary.Router.Routing;

internal static class CanaryHeaders
{
    /// <summary>On every proxied response: the version that served it.</summary>
    public const string Version = "X-Canary-Version";

    /// <summary>
    /// YARP appends the backend's response headers to the ones already set. A backend that sends its own
    /// X-Canary-Version (another router behind this one) must not add a second value: the router's, set first, stays.
    /// </summary>
    public static ValueTask KeepRoutersVersion(ResponseTransformContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        if (headers.TryGetValue(Version, out var values) && values.Count > 1)
        {
            headers[Version] = values[0];
        }

        return ValueTask.CompletedTask;
    }
}

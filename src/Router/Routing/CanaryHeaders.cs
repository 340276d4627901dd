namespace Canary.Router.Routing;

internal static class CanaryHeaders
{
    /// <summary>On every proxied response: the version that served it.</summary>
    public const string Version = "X-Canary-Version";
}

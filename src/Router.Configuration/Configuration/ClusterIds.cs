namespace Canary.Router.Configuration;

/// <summary>The YARP route and cluster ids Canary generates, so every part names them the same way.</summary>
internal static class ClusterIds
{
    public static string For(string release, string route, string version) => $"{release}/{route}/{version}";

    public static string Route(string release, string route) => $"{release}/{route}";
}

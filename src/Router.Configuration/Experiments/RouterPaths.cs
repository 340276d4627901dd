namespace Canary.Router.Experiments;

/// <summary>The router's own paths on PublicUrls: never proxied, whatever the routes say.</summary>
internal static class RouterPaths
{
    public const string Prefix = "/canary/";

    public const string GoalBeacon = "/canary/goals/{name}";
}

using Canary.Router.Routing;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>User keys chosen by their bucket, so a test knows which version each user gets at a given weight.</summary>
internal static class UserKeys
{
    /// <summary>The version the router gives <paramref name="key"/> at <paramref name="weight"/> percent (no segment).</summary>
    public static string VersionOf(string key, double weight) =>
        StableBucket.Of(RouterSetup.Release, key) < weight * 100 ? "v2" : "v1";

    /// <summary><paramref name="count"/> distinct keys starting with <paramref name="prefix"/> that land on <paramref name="version"/>.</summary>
    public static IReadOnlyList<string> On(string version, double weight, int count, string prefix) =>
        Enumerable.Range(0, int.MaxValue)
            .Select(i => $"{prefix}{i}")
            .Where(key => VersionOf(key, weight) == version)
            .Take(count)
            .ToList();
}

using System.Globalization;
using Canary.Router.Routing;

namespace Canary.Router.FunctionalTests;

/// <summary>Which version a user should get, computed from the documented bucket rule, and users picked by it.</summary>
internal static class Cohorts
{
    public static string Expected(string userKey, double weightPercent) =>
        StableBucket.Of(RouterRig.Release, userKey) < weightPercent * 100 ? "v2" : "v1";

    public static string User(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>The first user (by number) whose bucket puts them on <paramref name="version"/> at this weight.</summary>
    public static string FirstUserOn(string version, double weightPercent) =>
        Enumerable.Range(0, 10_000).Select(User).First(u => Expected(u, weightPercent) == version);
}

using Canary.Router.State;

namespace Canary.Router.Routing;

/// <summary>Destination addresses compared the way operators write them: case-insensitive, trailing slash optional.</summary>
internal static class DrainAddresses
{
    public static bool Same(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    public static bool IsDraining(ReleaseState state, string route, string address)
    {
        foreach (var drained in state.Draining)
        {
            if (drained.Route == route && Same(drained.Address, address))
            {
                return true;
            }
        }

        return false;
    }
}

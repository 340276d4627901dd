using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Hosting;
using Canary.Router.Routing;
using Canary.Router.State;
using Yarp.ReverseProxy;

namespace Canary.Router.Admin;

/// <summary>Builds a release's admin view from its state, the guard's verdict and step progress, and YARP's destinations.</summary>
internal sealed class ReleaseViews(RouterCore core, GuardMonitor guard, IProxyStateLookup lookup)
{
    public ReleaseView Of(ReleaseState state) =>
        ReleaseView.Of(state, guard.Last(state.Name), Steps(state), Routes(state), core.Time.GetUtcNow());

    private StepsView? Steps(ReleaseState state)
    {
        if (state.Steps.Count == 0)
        {
            return null;
        }

        var progress = guard.Step(state.Name) is { } known && known.Step == state.Step ? known : new StepProgress(state.Step, null);
        var step = state.Step >= 0 ? state.Steps[state.Step] : null;
        return new StepsView(state.Step, state.Steps.Count, step?.Weight ?? 0, step?.HoldSeconds ?? 0, state.OnInconclusive.ToString(),
            progress.HealthySince, StepPolicy.AdvancesAt(state, progress), state.Steps);
    }

    private List<RouteView> Routes(ReleaseState state)
    {
        var release = core.Options.Release(state.Name);
        if (release is null)
        {
            return [];
        }

        return [.. release.Routes.Select(route => new RouteView(route.Name, route.Path,
            route.Versions.Keys.ToDictionary(version => version, version => Destinations(state, release, route, version))))];
    }

    private IReadOnlyList<DestinationView> Destinations(ReleaseState state, ReleaseOptions release, Configuration.RouteOptions route, string version)
    {
        if (!lookup.TryGetCluster(ClusterIds.For(release.Name, route.Name, version), out var cluster))
        {
            return [];
        }

        return [.. cluster.Destinations.Values.Select(d => new DestinationView(
            d.Model.Config.Address,
            DrainAddresses.IsDraining(state, route.Name, d.Model.Config.Address),
            d.ConcurrentRequestCount,
            d.Health.Active.ToString(),
            d.Health.Passive.ToString()))];
    }
}

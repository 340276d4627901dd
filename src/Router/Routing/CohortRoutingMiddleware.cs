using Yarp.ReverseProxy;

namespace Canary.Router.Routing;

/// <summary>
/// The first step of YARP's proxy pipeline: decides the request's version and points the request at that
/// version's cluster. Segments and bucket come from <see cref="CohortDecider"/>; this class only does the I/O
/// around it (reading the state, the anonymous cookie, the response header).
/// </summary>
internal sealed class CohortRoutingMiddleware(RequestDelegate next, RoutingTable table, AnonymousUsers anonymous, IProxyStateLookup lookup)
{
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetRouteModel();
        var binding = table.Find(route.Config.RouteId);
        if (binding is null)
        {
            return next(context);
        }

        var state = binding.Slot.Current;
        if (!CohortDecider.TryMatchSegment(state, context, out var decision))
        {
            var key = state.NeedsBucket ? KeyOf(context, state) : default;
            decision = CohortDecider.ByWeight(state, key);
        }

        var target = binding.Target(decision.Version);
        if (target is null)
        {
            // Validation makes every release version a version of every route; a version outside them is a bug.
            throw new InvalidOperationException($"route '{route.Config.RouteId}' has no version '{decision.Version}'");
        }

        context.Response.Headers[CanaryHeaders.Version] = target.HeaderValue;
        if (!ReferenceEquals(decision.Version, binding.DefaultVersion) && decision.Version != binding.DefaultVersion
            && !target.TryAssign(context, route, lookup))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        return next(context);
    }

    private ReadOnlySpan<char> KeyOf(HttpContext context, State.ReleaseState state) =>
        RequestValues.FirstOf(context, state.UserKey) is { } key ? key : anonymous.Resolve(context);
}

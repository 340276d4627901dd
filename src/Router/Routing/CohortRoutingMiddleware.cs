using System.Diagnostics;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.State;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Canary.Router.Routing;

/// <summary>
/// The first step of YARP's proxy pipeline: decides the request's version, points the request at that version's
/// cluster, forwards it, and records the outcome. The decision itself is <see cref="CohortDecider"/>'s; this class
/// does the I/O around it (the state, the anonymous cookie, the response header, the retry).
/// </summary>
internal sealed class CohortRoutingMiddleware(
    RequestDelegate next, RoutingTable table, AnonymousUsers anonymous, IProxyStateLookup lookup, RequestRecorder recorder, RouterCore core)
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

        // Validation makes every release version a version of every route.
        var target = binding.Target(decision.Version)
            ?? throw new InvalidOperationException($"route '{route.Config.RouteId}' has no version '{decision.Version}'");
        Tag(binding, decision);
        if (decision.Version != binding.DefaultVersion && !Assign(context, route, target))
        {
            return Task.CompletedTask;
        }

        context.Response.Headers[CanaryHeaders.Version] = target.HeaderValue;
        return core.Options.RecordRequests ? ForwardAsync(context, binding, route, state, target) : next(context);
    }

    private async Task ForwardAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target)
    {
        var started = recorder.Start();
        await next(context);
        recorder.Record(context, binding, target, started);

        // A version that refused the connection never saw the request: an idempotent request without a body is
        // safe to send once to the other version, so a crashed canary (or stable) shows users no error.
        if (!NothingWasSent(context) || !CanRetry(context)
            || binding.Target((target.Version == state.Stable ? state.Canary : state.Stable) ?? target.Version) is not { } other
            || ReferenceEquals(other, target))
        {
            return;
        }

        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        if (!Assign(context, route, other))
        {
            return;
        }

        context.Response.Headers[CanaryHeaders.Version] = other.HeaderValue;
        Activity.Current?.SetTag("canary.version", other.Version).SetTag("canary.retried_from", target.Version);
        started = recorder.Start();
        await next(context);
        recorder.Record(context, binding, other, started);
    }

    private bool Assign(HttpContext context, RouteModel route, VersionTarget target)
    {
        if (target.TryAssign(context, route, lookup))
        {
            return true;
        }

        // The cluster is not (yet) in YARP's state: only possible mid-reload.
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return false;
    }

    private ReadOnlySpan<char> KeyOf(HttpContext context, ReleaseState state) =>
        RequestValues.FirstOf(context, state.UserKey) is { } key ? key : anonymous.Resolve(context);

    private static bool NothingWasSent(HttpContext context) => !context.Response.HasStarted
        && context.GetForwarderErrorFeature() is { } error
        && (error.Error == ForwarderError.NoAvailableDestinations
            || (error.Error == ForwarderError.Request && error.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }));

    private static bool CanRetry(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || HttpMethods.IsDelete(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
        && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;

    private static void Tag(RouteBinding binding, CohortDecision decision)
    {
        if (Activity.Current is not { } activity)
        {
            return;
        }

        activity.SetTag("canary.release", binding.ReleaseName);
        activity.SetTag("canary.route", binding.RouteName);
        activity.SetTag("canary.version", decision.Version);
        activity.SetTag("canary.reason", decision.Reason switch
        {
            CohortReason.Segment => "segment",
            CohortReason.Weight => "weight",
            _ => "stable",
        });
        if (decision.Segment is not null)
        {
            activity.SetTag("canary.segment", decision.Segment);
        }

        if (decision.Bucket >= 0)
        {
            activity.SetTag("canary.bucket", decision.Bucket);
        }
    }
}

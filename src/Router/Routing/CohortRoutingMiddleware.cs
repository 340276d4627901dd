using System.Diagnostics;
using Canary.Router.Configuration;
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
    RequestDelegate next, AnonymousUsers anonymous, IProxyStateLookup lookup, RequestRecorder recorder, RouterCore core)
{
    /// <summary>How often a request waiting out an in-place restart tries the backend again.</summary>
    public static readonly TimeSpan OutageRetryDelay = TimeSpan.FromMilliseconds(100);

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetRouteModel();

        // One snapshot for the whole request: its binding and its release state come from the same configuration.
        var snapshot = core.Store.Current;
        var binding = snapshot.Routes.Find(route.Config.RouteId);
        if (binding is null)
        {
            return next(context);
        }

        var state = snapshot.StateOf(binding);
        Experiments.ExperimentVisit visit = default;
        if (!CohortDecider.TryMatchPreviewOrSegment(state, context, core.Previews, core.Time, out var decision))
        {
            // Every user of a release with a canary gets a key (an anonymous cookie at worst), even at 0% or 100%,
            // so the weight can move later without moving anyone who should stay.
            var key = state.Canary is not null ? KeyOf(context, state) : default;
            decision = CohortDecider.ByWeight(state, key);
            visit = core.Experiments.Visit(binding.ReleaseName, binding.RouteName, state, decision, key);
        }

        // Validation makes every release version a version of every route, and a snapshot's states and bindings come
        // from one configuration; should a version still have no target here, its users get stable, never an error.
        var target = binding.Target(decision.Version) ?? binding.Target(state.Stable);
        if (target is null)
        {
            return next(context);
        }

        Tag(binding, decision);

        // The route's own cluster is compared, not its version: mid-reload, YARP's route may already default to another.
        if (!string.Equals(route.Cluster?.ClusterId, target.ClusterId, StringComparison.Ordinal) && !Assign(context, route, target))
        {
            return Task.CompletedTask;
        }

        ExcludeDraining(context, binding, state);
        context.Response.Headers[CanaryHeaders.Version] = target.HeaderValue;
        return snapshot.Options.RecordRequests ? ForwardAsync(context, binding, route, state, target, visit) : next(context);
    }

    // The first attempt is inlined here rather than awaited through AttemptAsync: one state machine per request,
    // not two (an allocation on every request; bench/results).
    private async Task ForwardAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target, Experiments.ExperimentVisit visit)
    {
        var started = recorder.Start(context);
        await next(context);
        var status = recorder.Record(context, target, state, started);
        visit.Record(context.Request, status);
        if (status == StatusClass.Error && NothingWasSent(context))
        {
            await RecoverAsync(context, binding, route, state, target);
        }
    }

    /// <summary>After an attempt that reached no backend: the other version once, then the outage hold.</summary>
    private async Task RecoverAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target)
    {
        // A version that refused the connection never saw the request: an idempotent request without a body is
        // safe to send once to the other version, so a crashed canary (or stable) shows users no error.
        var retryable = CanRetry(context);
        var otherVersion = target.Version == state.Stable ? state.Canary : state.Stable;
        if (retryable && otherVersion is not null && binding.Target(otherVersion) is { } other
            && await RetryAsync(context, binding, route, state, other) && !NothingWasSent(context))
        {
            return;
        }

        if (state.Outage is { } outage)
        {
            await RideOutOutageAsync(context, binding, route, state, target, outage, retryable);
        }
    }

    /// <summary>
    /// In-place deployments: the chosen version's only backend is restarting. Idempotent requests wait and retry
    /// until it accepts connections again or the hold ends; others fail at once with 503 and Retry-After.
    /// </summary>
    private async Task RideOutOutageAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target, OutageOptions outage, bool retryable)
    {
        var waitStarted = recorder.Start(context);
        var deadline = waitStarted + (outage.HoldSeconds * core.Time.TimestampFrequency);
        while (retryable && NothingWasSent(context) && core.Time.GetTimestamp() < deadline && !context.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(OutageRetryDelay, core.Time, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The client went away.
            }

            // Refused retries while waiting are not recorded: they are one user request, already counted once as
            // refused; only an answer, or the final refusal below, counts again.
            if (!await RetryAsync(context, binding, route, state, target, recordRefusal: false))
            {
                return;
            }
        }

        if (NothingWasSent(context))
        {
            if (retryable)
            {
                recorder.Record(context, target, state, waitStarted);
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = outage.HoldSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private async Task AttemptAsync(HttpContext context, ReleaseState state, VersionTarget target, bool recordRefusal = true)
    {
        var started = recorder.Start(context);
        await next(context);
        if (recordRefusal || !NothingWasSent(context))
        {
            recorder.Record(context, target, state, started);
        }
    }

    /// <summary>Sends the request again, to <paramref name="target"/>, after an attempt that reached no backend.</summary>
    private async Task<bool> RetryAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target, bool recordRefusal = true)
    {
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        if (!Assign(context, route, target))
        {
            return false;
        }

        ExcludeDraining(context, binding, state);
        context.Response.Headers[CanaryHeaders.Version] = target.HeaderValue;
        Activity.Current?.SetTag("canary.version", target.Version).SetTag("canary.retried", true);
        await AttemptAsync(context, state, target, recordRefusal);
        return true;
    }

    /// <summary>Rolling updates: a draining destination gets no new requests (its in-flight ones finish).</summary>
    private static void ExcludeDraining(HttpContext context, RouteBinding binding, ReleaseState state)
    {
        if (state.Draining.Count == 0)
        {
            return;
        }

        var feature = context.GetReverseProxyFeature();
        var kept = new List<DestinationState>(feature.AvailableDestinations.Count);
        foreach (var destination in feature.AvailableDestinations)
        {
            if (!DrainAddresses.IsDraining(state, binding.RouteName, destination.Model.Config.Address))
            {
                kept.Add(destination);
            }
        }

        feature.AvailableDestinations = kept;
    }

    private bool Assign(HttpContext context, RouteModel route, VersionTarget target)
    {
        if (target.TryAssign(context, route, lookup))
        {
            return true;
        }

        // The cluster is not (yet) in YARP's state: only possible mid-reload. The router's own answer, so nosniff.
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.XContentTypeOptions = ForwardedHeaders.NoSniff;
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

    /// <summary>
    /// Tags the request's spans with the decision: YARP's forwarder span (the current one) and the server span above
    /// it, so a trace query on either finds the version.
    /// </summary>
    private static void Tag(RouteBinding binding, CohortDecision decision)
    {
        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            // An Activity nobody listens to (one started only for log scopes) is not worth the tags' allocations.
            if (!activity.Source.HasListeners())
            {
                continue;
            }

            activity.SetTag("canary.release", binding.ReleaseName);
            activity.SetTag("canary.route", binding.RouteName);
            activity.SetTag("canary.version", decision.Version);
            activity.SetTag("canary.reason", decision.Reason switch
            {
                CohortReason.Segment => "segment",
                CohortReason.Weight => "weight",
                CohortReason.Preview => "preview",
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

            if (activity.Kind == ActivityKind.Server)
            {
                break;
            }
        }
    }
}

using System.Diagnostics;
using Canary.Router.Configuration;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.State;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Polly;
using Polly.Timeout;
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
    RequestDelegate next, AnonymousUsers anonymous, IProxyStateLookup lookup, RequestRecorder recorder, RouterCore core, RetryPipelines retries)
{
    /// <summary>The header (IETF draft-ietf-httpapi-idempotency-key-header) that makes any request retryable.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

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

        ExcludeDraining(context, binding, state, target);
        context.Response.Headers[CanaryHeaders.Version] = target.HeaderValue;
        return snapshot.Options.RecordRequests ? ForwardAsync(context, binding, route, state, target, visit) : next(context);
    }

    // The first attempt is inlined here rather than awaited through AttemptAsync: one state machine per request,
    // not two (an allocation on every request; bench/results).
    private async Task ForwardAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target, Experiments.ExperimentVisit visit)
    {
        var started = recorder.Start(context);
        await next(context);
        AnswerTimeout(context);
        var status = recorder.Record(context, target, state, started);
        visit.Record(context.Request, status);
        if (status == StatusClass.Error && NothingWasSent(context))
        {
            await RecoverAsync(context, binding, route, state, target);
        }
    }

    /// <summary>
    /// After an attempt that reached no backend: the version's other destinations, then stable if the version was the
    /// canary, then (in-place deployments) the outage hold on the chosen version.
    /// </summary>
    private async Task RecoverAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target)
    {
        var retryable = CanRetry(context);
        if (retryable)
        {
            var retry = new Retry(this, context, binding, route, state, target);
            var resilience = ResilienceContextPool.Shared.Get(context.RequestAborted);
            try
            {
                if (await retries.Immediate.ExecuteAsync(static (_, r) => r.NextAsync(), resilience, retry) == AttemptOutcome.Answered)
                {
                    return;
                }
            }
            finally
            {
                ResilienceContextPool.Shared.Return(resilience);
            }
        }

        if (state.Outage is { } outage)
        {
            await RideOutOutageAsync(context, binding, route, state, target, outage, retryable);
        }
    }

    /// <summary>
    /// In-place deployments: the chosen version's only backend is restarting. Retryable requests wait and retry
    /// until it accepts connections again or the hold ends; others fail at once with 503 and Retry-After.
    /// </summary>
    private async Task RideOutOutageAsync(HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget target, OutageOptions outage, bool retryable)
    {
        var waitStarted = recorder.Start(context);
        if (retryable)
        {
            var retry = new Retry(this, context, binding, route, state, target);
            var resilience = ResilienceContextPool.Shared.Get(context.RequestAborted);
            try
            {
                await retries.Hold(outage.HoldSeconds).ExecuteAsync(static (_, r) => r.AgainAsync(), resilience, retry);
            }
            catch (TimeoutRejectedException)
            {
                // The hold ran out: the 503 below.
            }
            catch (OperationCanceledException)
            {
                return; // The client went away.
            }
            finally
            {
                ResilienceContextPool.Shared.Return(resilience);
            }
        }

        if (NothingWasSent(context) && !context.RequestAborted.IsCancellationRequested)
        {
            if (retryable)
            {
                recorder.Record(context, target, state, waitStarted);
            }

            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = outage.HoldSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Sends the request again after an attempt that reached no backend, forgetting that attempt's error.</summary>
    private async Task AttemptAsync(HttpContext context, ReleaseState state, VersionTarget target, bool recordRefusal)
    {
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        var started = recorder.Start(context);
        await next(context);
        AnswerTimeout(context);
        if (recordRefusal || !NothingWasSent(context))
        {
            recorder.Record(context, target, state, started);
        }
    }

    /// <summary>
    /// One request's retries after a refused attempt. A user stays on the version chosen for them (a page's assets
    /// and API calls come from one build) except that a refusing canary falls back to stable: never the other way,
    /// so no retry sends anyone into a canary the guard rolled back or an operator set to 0%.
    /// </summary>
    private sealed class Retry(CohortRoutingMiddleware owner, HttpContext context, RouteBinding binding, RouteModel route, ReleaseState state, VersionTarget chosen)
    {
        private readonly List<DestinationState> _tried = [.. Proxied(context)];
        private readonly VersionTarget _chosen = chosen;
        private VersionTarget _target = chosen;
        private bool _crossed;

        /// <summary>The immediate retries: each untried destination of the version once, then stable once if it was the canary.</summary>
        public async ValueTask<AttemptOutcome> NextAsync()
        {
            if (!Prepare(_target, _tried))
            {
                return AttemptOutcome.Answered; // The cluster left YARP's state mid-reload: the 503 Prepare set.
            }

            if (context.GetReverseProxyFeature().AvailableDestinations.Count == 0)
            {
                if (_crossed || _target.Version != state.Canary || binding.Target(state.Stable) is not { } stable)
                {
                    return AttemptOutcome.Exhausted;
                }

                // The crossing is a separate sample of stable: its refusal counts there too.
                _crossed = true;
                _target = stable;
                _tried.Clear();
                if (!Prepare(stable, _tried))
                {
                    return AttemptOutcome.Answered;
                }
            }

            await owner.AttemptAsync(context, state, _target, recordRefusal: _crossed && _tried.Count == 0);
            return Refused(context) ? AttemptOutcome.Refused : AttemptOutcome.Answered;
        }

        /// <summary>
        /// An attempt of the outage hold: every destination of the chosen version again. Refusals are not recorded:
        /// they are one user request, already counted once as refused; only an answer, or the final refusal, counts again.
        /// </summary>
        public async ValueTask<AttemptOutcome> AgainAsync()
        {
            if (!Prepare(_chosen, []))
            {
                return AttemptOutcome.Answered;
            }

            await owner.AttemptAsync(context, state, _chosen, recordRefusal: false);
            return Refused(context) ? AttemptOutcome.Refused : AttemptOutcome.Answered;
        }

        private bool Prepare(VersionTarget next, List<DestinationState> tried)
        {
            if (!owner.Assign(context, route, next))
            {
                return false;
            }

            ExcludeDraining(context, binding, state, next, tried);
            context.Response.Headers[CanaryHeaders.Version] = next.HeaderValue;
            Activity.Current?.SetTag("canary.version", next.Version).SetTag("canary.retried", true);
            return true;
        }

        private bool Refused(HttpContext context)
        {
            if (!NothingWasSent(context))
            {
                return false;
            }

            _tried.AddRange(Proxied(context));
            return true;
        }

        private static DestinationState[] Proxied(HttpContext context) =>
            context.GetReverseProxyFeature().ProxiedDestination is { } destination ? [destination] : [];
    }

    /// <summary>
    /// Rolling updates: a draining destination gets no new requests (its in-flight ones finish). A retry also leaves
    /// out the destinations it already tried.
    /// </summary>
    private static void ExcludeDraining(HttpContext context, RouteBinding binding, ReleaseState state, VersionTarget target, List<DestinationState>? tried = null)
    {
        if (state.Draining.Count == 0 && tried is not { Count: > 0 })
        {
            return;
        }

        var feature = context.GetReverseProxyFeature();
        var available = target.WithoutDraining(feature.AvailableDestinations, state, binding.RouteName);
        if (tried is { Count: > 0 })
        {
            available = [.. available.Where(d => !tried.Contains(d))];
        }

        feature.AvailableDestinations = available;
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

    /// <summary>
    /// A route's TimeoutSeconds ran out: YARP sees only its request cancelled and answers 400, as if the user had gone;
    /// it is the backend's slowness, so 504, counted against the version.
    /// </summary>
    private static void AnswerTimeout(HttpContext context)
    {
        if (context.Response.StatusCode == StatusCodes.Status400BadRequest && !context.Response.HasStarted
            && context.GetForwarderErrorFeature() is { Error: ForwarderError.RequestCanceled }
            && context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true)
        {
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }

    private static bool NothingWasSent(HttpContext context) => !context.Response.HasStarted
        && context.GetForwarderErrorFeature() is { } error
        && (error.Error == ForwarderError.NoAvailableDestinations
            || (error.Error == ForwarderError.Request && error.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }));

    /// <summary>
    /// A refused connection means no backend saw the request, so sending it again is safe when the method is idempotent
    /// and has no body, or when the client says it may be repeated (an <c>Idempotency-Key</c>: its body is still
    /// unread, since the connection never opened).
    /// </summary>
    private static bool CanRetry(HttpContext context) =>
        ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || HttpMethods.IsDelete(context.Request.Method) || HttpMethods.IsPut(context.Request.Method))
            && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true)
        || !StringValues.IsNullOrEmpty(context.Request.Headers[IdempotencyKey]);

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

using Canary.Router.Routing;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;

namespace Canary.Router.Metrics;

/// <summary>
/// The one place a finished request is recorded: its version's Prometheus series and the guard's running totals.
/// Only counters move here (no lock, no string, no disk); a failure pokes the guard loop, which judges off the
/// request path. Latency is the time to the response headers, taken by the response transform below.
/// </summary>
internal sealed class RequestRecorder(TimeProvider time, FailureSignal signal)
{
    /// <summary>Starts timing a forwarding attempt.</summary>
    public long Start(HttpContext context)
    {
        ResponseTiming.Begin(context);
        return time.GetTimestamp();
    }

    /// <returns>The request's status class, so the caller need not classify it again.</returns>
    /// <param name="state">The release state the request was routed by (its snapshot's).</param>
    public StatusClass Record(HttpContext context, VersionTarget target, State.ReleaseState state, long started)
    {
        var now = time.GetTimestamp();
        if (StatusClasses.Of(context) is not { } status)
        {
            return StatusClass.ClientError4xx; // The client's doing, not the version's: neither counted nor judged.
        }

        var timing = context.Features.Get<ResponseTiming>();
        // A request with a body is paced by its client (a slow upload delays the headers): not a latency sample, so
        // no end user can make a version look slow. Its failures still count.
        var latency = timing is { HeadersAt: > 0, Streaming: false } && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true
            ? time.GetElapsedTime(started, timing.HeadersAt).TotalMilliseconds > state.Guard.MaxP99Ms ? LatencySample.Slow : LatencySample.Fast
            : LatencySample.None;
        var grpcFailed = timing?.GrpcFailed == true;
        target.Meters.Record(status, time.GetElapsedTime(started, now), grpcFailed, latency);

        // Failures of either version wake the guard: when the judging moments depend on the outcomes but not on
        // which version had them, the conditional test stays exact.
        if ((grpcFailed || status.IsFailure()) && state.Canary is not null)
        {
            signal.Poke();
        }

        return status;
    }

    /// <summary>YARP response transform: the backend's headers are in. Runs before the body is copied.</summary>
    public ValueTask OnResponseHeaders(ResponseTransformContext context)
    {
        if (context.ProxyResponse is { } response && context.HttpContext.Features.Get<ResponseTiming>() is { } timing)
        {
            timing.HeadersAt = time.GetTimestamp();
            var headers = context.HttpContext.Response.Headers;
            var contentType = headers.ContentType.ToString();
            timing.Grpc = contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
            timing.Streaming = (int)response.StatusCode == StatusCodes.Status101SwitchingProtocols || timing.Grpc
                || contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
            if (timing.Grpc)
            {
                // A trailers-only response carries its status in the headers.
                timing.GrpcFailed = ResponseTiming.IsServerFailure(headers["grpc-status"].ToString());
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>YARP response trailers transform: a gRPC call's status arrives here, after the body.</summary>
    public static ValueTask OnResponseTrailers(ResponseTrailersTransformContext context)
    {
        if (context.HttpContext.Features.Get<ResponseTiming>() is { Grpc: true } timing
            && context.HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers
            && trailers.TryGetValue("grpc-status", out var value))
        {
            timing.GrpcFailed |= ResponseTiming.IsServerFailure(value.ToString());
        }

        return ValueTask.CompletedTask;
    }
}

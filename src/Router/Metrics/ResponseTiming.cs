namespace Canary.Router.Metrics;

/// <summary>
/// One forwarding attempt's view of the backend's response, filled by <see cref="RequestRecorder"/>'s response
/// transforms as YARP receives it: when the headers arrived, whether the response is a stream (so its time is not a
/// latency sample), and whether a gRPC call failed behind an HTTP 200.
/// </summary>
internal sealed class ResponseTiming
{
    /// <summary>The <see cref="TimeProvider"/> timestamp at which the response headers arrived; 0 when none did.</summary>
    public long HeadersAt { get; set; }

    /// <summary>An upgrade (101), server-sent events, or gRPC, whose headers may wait for the first message or event.</summary>
    public bool Streaming { get; set; }

    public bool Grpc { get; set; }

    /// <summary>grpc-status (in the trailers, or the headers of a trailers-only response) named a server failure.</summary>
    public bool GrpcFailed { get; set; }

    /// <summary>The request's timing, cleared for a new attempt.</summary>
    public static ResponseTiming Begin(HttpContext context)
    {
        var timing = context.Features.Get<ResponseTiming>();
        if (timing is null)
        {
            timing = new ResponseTiming();
            context.Features.Set(timing);
            return timing;
        }

        timing.HeadersAt = 0;
        timing.Streaming = false;
        timing.Grpc = false;
        timing.GrpcFailed = false;
        return timing;
    }

    /// <summary>
    /// gRPC codes that are the server's fault, those the standard HTTP mapping sends to 5xx: UNKNOWN, DEADLINE_EXCEEDED,
    /// UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. The others (CANCELLED, INVALID_ARGUMENT, NOT_FOUND, ...) are the
    /// client's, like 4xx, and never count against a version.
    /// </summary>
    public static bool IsServerFailure(string? grpcStatus) => grpcStatus is "2" or "4" or "12" or "13" or "14" or "15";
}

using Yarp.ReverseProxy.Forwarder;

namespace Canary.Router.Metrics;

/// <summary>The <c>code</c> label: the response's status class, or <see cref="Error"/> when the backend gave no response.</summary>
internal enum StatusClass
{
    Success2xx,
    Redirect3xx,
    ClientError4xx,
    ServerError5xx,
    Error,
}

internal static class StatusClasses
{
    public const int Count = 5;

    private static readonly string[] Labels = ["2xx", "3xx", "4xx", "5xx", "error"];

    public static string Label(this StatusClass statusClass) => Labels[(int)statusClass];

    public static bool IsFailure(this StatusClass statusClass) => statusClass is StatusClass.ServerError5xx or StatusClass.Error;

    /// <summary>
    /// Classifies a finished request. A forwarding error on the backend's side (refused, reset, timed out, no healthy
    /// destination) is <see cref="StatusClass.Error"/>; one the client caused (it went away) keeps its status class,
    /// so a user closing a tab never counts against a version.
    /// </summary>
    public static StatusClass Of(HttpContext context)
    {
        var error = context.GetForwarderErrorFeature()?.Error ?? ForwarderError.None;
        if (error is not ForwarderError.None && !CausedByClient(error))
        {
            return StatusClass.Error;
        }

        return context.Response.StatusCode switch
        {
            < 300 => StatusClass.Success2xx, // 101 Switching Protocols is a successful WebSocket upgrade.
            < 400 => StatusClass.Redirect3xx,
            < 500 => StatusClass.ClientError4xx,
            _ => StatusClass.ServerError5xx,
        };
    }

    private static bool CausedByClient(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;
}

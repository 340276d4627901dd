using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using Yarp.ReverseProxy.Forwarder;

namespace Canary.Router.Metrics;

internal static class StatusClasses
{
    public const int Count = 5;

    private static readonly string[] Labels = ["2xx", "3xx", "4xx", "5xx", "error"];

    public static string Label(this StatusClass statusClass) => Labels[(int)statusClass];

    public static bool IsFailure(this StatusClass statusClass) => statusClass is StatusClass.ServerError5xx or StatusClass.Error;

    /// <summary>Classifies a finished forward (see the pure overload).</summary>
    public static StatusClass? Of(HttpContext context)
    {
        var error = context.GetForwarderErrorFeature();
        return Of(error?.Error ?? ForwarderError.None, error?.Exception, context.Response.StatusCode, context.Response.HasStarted);
    }

    /// <summary>
    /// The one classification of a forwarder outcome, and so of what counts against a version and its guard:
    /// <list type="bullet">
    /// <item>the backend answered: its status class;</item>
    /// <item>the backend failed (refused, reset, timed out, broke its response, no available destination): <see cref="StatusClass.Error"/>;</item>
    /// <item>the client went away, sent a bad body or let an upgraded connection idle out: the backend's status class when
    /// it had answered, otherwise null;</item>
    /// <item>the request could not be built from what the client sent (e.g. a header the outgoing client cannot
    /// encode): null.</item>
    /// </list>
    /// Null means the outcome is not the version's: it is neither counted nor judged, so what an end user sends can
    /// never push the guard.
    /// </summary>
    public static StatusClass? Of(ForwarderError error, Exception? exception, int statusCode, bool responseStarted) => error switch
    {
        ForwarderError.None => ByStatus(statusCode),
        _ when CouldNotBeBuilt(error, exception) => null,
        _ when CausedByClient(error) => responseStarted ? ByStatus(statusCode) : null,
        _ => StatusClass.Error,
    };

    /// <summary>
    /// The request never became a valid outgoing request: a transform or the outgoing HTTP client refused what the
    /// client sent. Nothing reached the backend; the user is answered 400, not 502.
    /// </summary>
    public static bool CouldNotBeBuilt(ForwarderError error, Exception? exception) =>
        error == ForwarderError.RequestCreation || (error == ForwarderError.Request && exception is not null && IsRefusedInput(exception));

    private static StatusClass ByStatus(int statusCode) => statusCode switch
    {
        < 300 => StatusClass.Success2xx, // 101 Switching Protocols is a successful WebSocket upgrade.
        < 400 => StatusClass.Redirect3xx,
        < 500 => StatusClass.ClientError4xx,
        _ => StatusClass.ServerError5xx,
    };

    private static bool CausedByClient(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient
        or ForwarderError.UpgradeActivityTimeout;

    /// <summary>
    /// An exception of the outgoing client about the request itself (its headers, its URI), not about the connection.
    /// Anything that mentions the network (a socket, I/O, TLS, a classified <see cref="HttpRequestError"/>) is the
    /// backend's, so a real backend failure is never excused.
    /// </summary>
    private static bool IsRefusedInput(Exception exception)
    {
        var refused = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException or IOException or AuthenticationException or TimeoutException:
                case HttpRequestException { HttpRequestError: not HttpRequestError.Unknown }:
                    return false;
                case HttpRequestException { InnerException: null }:
                case InvalidOperationException or ArgumentException or FormatException or NotSupportedException:
                    refused = true;
                    break;
            }
        }

        return refused;
    }
}

using System.Net;
using System.Net.Sockets;
using Canary.Router.Metrics;
using Yarp.ReverseProxy.Forwarder;

namespace Canary.Router.Tests.Metrics;

/// <summary>The one classification of forwarder outcomes: what counts against a version, and what is not its doing.</summary>
public sealed class StatusClassTests
{
    public static TheoryData<ForwarderError, int, bool, string?> Outcomes() => new()
    {
        // The backend answered: its status class.
        { ForwarderError.None, 200, true, "2xx" },
        { ForwarderError.None, 101, true, "2xx" },
        { ForwarderError.None, 302, true, "3xx" },
        { ForwarderError.None, 404, true, "4xx" },
        { ForwarderError.None, 503, true, "5xx" },

        // The backend failed: the version's error, whatever status the router then answered with.
        { ForwarderError.RequestTimedOut, 504, false, "error" },
        { ForwarderError.RequestBodyDestination, 502, false, "error" },
        { ForwarderError.ResponseHeaders, 502, false, "error" },
        { ForwarderError.ResponseBodyDestination, 200, true, "error" },
        { ForwarderError.UpgradeResponseDestination, 101, true, "error" },
        { ForwarderError.NoAvailableDestinations, 503, false, "error" },

        // The client went away or sent a bad body: not the version's, unless the backend had answered.
        { ForwarderError.RequestCanceled, 400, false, null },
        { ForwarderError.RequestCanceled, 502, false, null },
        { ForwarderError.RequestBodyCanceled, 400, false, null },
        { ForwarderError.RequestBodyClient, 400, false, null },
        { ForwarderError.RequestBodyClient, 413, false, null },
        { ForwarderError.ResponseBodyCanceled, 502, false, null },
        { ForwarderError.ResponseBodyClient, 200, true, "2xx" },
        { ForwarderError.RequestBodyClient, 201, true, "2xx" },
        { ForwarderError.UpgradeRequestClient, 101, true, "2xx" },
        { ForwarderError.UpgradeActivityTimeout, 101, true, "2xx" },

        // The request could not be built from what the client sent.
        { ForwarderError.RequestCreation, 502, false, null },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Of_Outcome_Classified(ForwarderError error, int status, bool started, string? expected) =>
        Assert.Equal(expected, StatusClasses.Of(error, exception: null, status, started)?.Label());

    [Fact]
    public async Task Of_HeaderTheOutgoingClientCannotEncode_NotTheVersions()
    {
        // The platform's own refusal, as YARP sees it with an ASCII-only outgoing client (HttpClient's default).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        request.Headers.TryAddWithoutValidation("Cookie", "theme=café");

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => invoker.SendAsync(request, CancellationToken.None));

        Assert.True(StatusClasses.CouldNotBeBuilt(ForwarderError.Request, exception), exception.ToString());
        Assert.Null(StatusClasses.Of(ForwarderError.Request, exception, 502, responseStarted: false));
    }

    [Fact]
    public async Task Of_ConnectionRefused_TheVersionsError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());

        var exception = await Assert.ThrowsAnyAsync<Exception>(() =>
            invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/"), CancellationToken.None));

        Assert.False(StatusClasses.CouldNotBeBuilt(ForwarderError.Request, exception));
        Assert.Equal(StatusClass.Error, StatusClasses.Of(ForwarderError.Request, exception, 502, responseStarted: false));
    }

    [Theory]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(SocketException))]
    public void Of_RequestErrorAboutTheConnection_TheVersionsError(Type type)
    {
        var inner = (Exception)Activator.CreateInstance(type)!;
        var exception = new HttpRequestException("An error occurred while sending the request.", inner);

        Assert.Equal(StatusClass.Error, StatusClasses.Of(ForwarderError.Request, exception, 502, responseStarted: false));
    }

    [Fact]
    public void Of_ResponseEnded_TheVersionsError() =>
        Assert.Equal(StatusClass.Error, StatusClasses.Of(ForwarderError.Request,
            new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."), 502, responseStarted: false));
}

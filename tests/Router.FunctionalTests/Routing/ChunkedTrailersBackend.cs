using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// An HTTP/1.1 backend that answers every request with one chunked body followed by trailers. Hand-written on a
/// socket because Kestrel sends response trailers over HTTP/2 and HTTP/3 only, and a chunked body with trailers is
/// what HTTP/1.1 services (Go's net/http, Node, Envoy, ...) send.
/// </summary>
internal sealed class ChunkedTrailersBackend : IDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _response;
    private readonly CancellationTokenSource _stop = new();

    private ChunkedTrailersBackend(string body, (string Name, string Value)[] trailers)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        var text = new StringBuilder()
            .Append("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n")
            .Append("Trailer: ").Append(string.Join(", ", trailers.Select(t => t.Name))).Append("\r\n\r\n")
            .Append(Encoding.UTF8.GetByteCount(body).ToString("x", CultureInfo.InvariantCulture)).Append("\r\n").Append(body).Append("\r\n0\r\n");
        foreach (var (name, value) in trailers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        _response = Encoding.UTF8.GetBytes(text.Append("\r\n").ToString());
    }

    public string Destination => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public static ChunkedTrailersBackend Start(string body, (string Name, string Value)[] trailers)
    {
        var backend = new ChunkedTrailersBackend(body, trailers);
        backend._listener.Start();
        _ = backend.AcceptAsync();
        return backend;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _ = ServeAsync(await _listener.AcceptTcpClientAsync(_stop.Token));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>Answers each request of a kept-alive connection (GETs: headers only, up to the blank line).</summary>
    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var seen = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
            {
                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                int end;
                while ((end = seen.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                {
                    seen.Remove(0, end + 4);
                    await stream.WriteAsync(_response, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The router closed the connection, or the test ended.
        }
    }
}

using System.Net.Sockets;
using System.Text;

namespace Canary.Router.FunctionalTests.Fuzz;

/// <summary>One raw HTTP/1.1 exchange as a response parsed from bytes; headers keep their raw (Latin-1) bytes.</summary>
internal sealed record RawReply(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Sends bytes no well-behaved client would (invalid UTF-8, broken chunking, bodies cut short) on a socket of its own,
/// so the router sees exactly what a hostile client sends.
/// </summary>
internal static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> and reads the whole answer (status 0 when the router closed without one).
    /// <paramref name="halfClose"/> ends the sending side, as a client that stopped short of its Content-Length does.
    /// </summary>
    public static async Task<RawReply> SendAsync(Uri address, byte[] request, TimeSpan? timeout = null, bool halfClose = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            await stream.WriteAsync(request, cancel.Token);
            if (halfClose)
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The router may answer and close before taking the whole request (e.g. a body over its limit).
        }

        var answer = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset after the answer: what was read stands.
        }

        return Parse(answer.ToArray());
    }

    /// <summary>A request head with the given lines, then the body bytes as they are.</summary>
    public static byte[] Request(string method, string target, IEnumerable<string> headers, byte[]? body = null)
    {
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body ?? []];
    }

    /// <summary>UTF-8 text as the Latin-1 chars of its bytes, for header lines that must carry raw UTF-8.</summary>
    public static string Utf8Bytes(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    private static RawReply Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || end < 0)
        {
            return new RawReply(0, new Dictionary<string, string>(), text);
        }

        var lines = text[..end].Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var body = text[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawReply(int.Parse(lines[0].AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), headers, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(body)));
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(body.AsSpan(position, lineEnd - position), System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            result.Append(body, lineEnd + 2, Math.Min(size, body.Length - lineEnd - 2));
            position = lineEnd + 2 + size + 2;
        }

        return result.ToString();
    }
}

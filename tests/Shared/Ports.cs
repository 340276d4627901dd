using System.Net;
using System.Net.Sockets;

namespace Canary.Testing;

/// <summary>Loopback ports for tests that must know an address before a process listens on it.</summary>
internal static class Ports
{
    /// <summary>A port the OS just handed out and that is closed again: free now, and very likely still when used.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An address nothing listens on.</summary>
    public static Uri ClosedAddress() => Loopback(Free());

    public static Uri Loopback(int port) => new(FormattableString.Invariant($"http://127.0.0.1:{port}"));
}

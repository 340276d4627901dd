namespace Canary.Router.Hosting;

/// <summary>
/// Process-wide runtime settings the router chooses when the operator has not, applied at the start of the process
/// before the first socket exists (the runtime reads them once).
/// </summary>
internal static class RuntimeDefaults
{
    /// <summary>
    /// Socket completions run on the epoll threads instead of being handed to the thread pool: one thread hop less per
    /// backend read (bench/README.md, "Less CPU per request"). The backend's responses are then processed there, so
    /// nothing after an await of HttpClient may block (the request path never does; see VersionHealth). <c>0</c> turns
    /// it off.
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Whether the public listener should run its requests on the socket's epoll thread as well (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>): with inline completions on (as the runtime reads them, "1" exactly, so one
    /// switch turns both off), and only on a plaintext HTTP/1.1 listener. There a proxied request runs from the client's
    /// read to the backend's response with no thread pool hop; HTTP/2 over TLS measured 10% more CPU per request with
    /// it (bench/results/2026-12-02-inline-scheduling.md), so https URLs and h2c keep Kestrel's thread pool.
    /// </summary>
    public static bool InlineScheduling(Func<string, string?> get, string publicUrls, bool http2Cleartext) =>
        get(InlineSocketCompletions) == "1"
        && !http2Cleartext
        && !publicUrls.Contains("https://", StringComparison.OrdinalIgnoreCase);

    public static void Apply(Func<string, string?> get, Action<string, string> set)
    {
        if (string.IsNullOrEmpty(get(InlineSocketCompletions)))
        {
            set(InlineSocketCompletions, "1");
        }
    }
}

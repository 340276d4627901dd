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

    public static void Apply(Func<string, string?> get, Action<string, string> set)
    {
        if (string.IsNullOrEmpty(get(InlineSocketCompletions)))
        {
            set(InlineSocketCompletions, "1");
        }
    }
}

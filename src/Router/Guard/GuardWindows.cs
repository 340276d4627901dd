using System.Collections.Concurrent;

namespace Canary.Router.Guard;

/// <summary>The guard's windows, one per release and version, kept across config reloads.</summary>
internal sealed class GuardWindows
{
    private readonly ConcurrentDictionary<(string Release, string Version), RequestWindow> _windows = new();

    public RequestWindow For(string release, string version) => _windows.GetOrAdd((release, version), _ => new RequestWindow());
}

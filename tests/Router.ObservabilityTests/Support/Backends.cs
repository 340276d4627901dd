namespace Canary.Router.ObservabilityTests.Support;

/// <summary>The four backends of the test release: routes api and web, versions v1 (stable) and v2 (canary).</summary>
internal sealed class Backends : IAsyncDisposable
{
    public static readonly string[] RouteNames = ["api", "web"];
    public static readonly string[] VersionNames = ["v1", "v2"];

    private readonly Dictionary<(string Route, string Version), TestBackend> _all;

    private Backends(Dictionary<(string Route, string Version), TestBackend> all) => _all = all;

    public TestBackend this[string route, string version] => _all[(route, version)];

    public IEnumerable<((string Route, string Version) Key, TestBackend Backend)> All => _all.Select(p => (p.Key, p.Value));

    public static async Task<Backends> StartAsync()
    {
        var all = new Dictionary<(string, string), TestBackend>();
        try
        {
            foreach (var route in RouteNames)
            {
                foreach (var version in VersionNames)
                {
                    all[(route, version)] = await TestBackend.StartAsync($"{route}-{version}");
                }
            }
        }
        catch
        {
            foreach (var backend in all.Values)
            {
                await backend.DisposeAsync();
            }

            throw;
        }

        return new Backends(all);
    }

    /// <summary>The routes of a router.json, with <paramref name="replace"/> overriding some addresses (e.g. a closed port).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, Uri>> Routes(IReadOnlyDictionary<(string Route, string Version), Uri>? replace = null) =>
        RouteNames.ToDictionary(
            route => route,
            route => (IReadOnlyDictionary<string, Uri>)VersionNames.ToDictionary(
                version => version,
                version => replace?.GetValueOrDefault((route, version)) ?? _all[(route, version)].Address,
                StringComparer.Ordinal),
            StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var backend in _all.Values)
        {
            await backend.DisposeAsync();
        }
    }
}

using Canary.Browser.Tests.Infrastructure;

namespace Canary.Browser.Tests.Spa;

/// <summary>
/// SampleApi v1 and v2 and SampleSpa v1 and v2 as child processes, and chromium, shared by the tests of a class.
/// Each test starts its own router in front of them, so no test sees another's weight changes.
/// </summary>
public sealed class SampleFleet : IAsyncLifetime
{
    private readonly Chromium _chromium = new();
    private readonly List<SampleProcess> _processes = [];

    public Chromium Chromium => _chromium;

    internal IReadOnlyList<RouteSpec> Routes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var browser = _chromium.InitializeAsync();
        var starting = new[]
        {
            SampleProcess.StartAsync(RepoPaths.SampleApiDll, "v1"),
            SampleProcess.StartAsync(RepoPaths.SampleApiDll, "v2"),
            SampleProcess.StartAsync(RepoPaths.SampleSpaDll, "v1"),
            SampleProcess.StartAsync(RepoPaths.SampleSpaDll, "v2"),
        };
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            _processes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
        }

        await browser;
        var (apiV1, apiV2, spaV1, spaV2) = (_processes[0], _processes[1], _processes[2], _processes[3]);
        Routes =
        [
            new RouteSpec("api", "/api/{**rest}", apiV1.Destination, apiV2.Destination),
            new RouteSpec("web", "/{**rest}", spaV1.Destination, spaV2.Destination),
        ];
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask()));
        await _chromium.DisposeAsync();
    }
}

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>
/// The tests that run SampleApi processes under load run one after another, not side by side: on a small machine
/// two loads at once would measure each other. Other test classes still run beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealProcesses
{
    public const string Name = "Real SampleApi processes under load";
}

/// <summary>SampleApi v1 and v2 processes shared by the tests of one class; each test starts its own router and resets the faults first.</summary>
public sealed class SampleApiPair : IAsyncLifetime
{
    internal SampleProcess V1 { get; private set; } = null!;

    internal SampleProcess V2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var started = await SampleProcess.StartApisAsync(("v1", null), ("v2", null));
        V1 = started[0];
        V2 = started[1];
    }

    /// <summary>No faults on either.</summary>
    public async Task ResetAsync()
    {
        await V1.SetFaultsAsync(errorRate: 0, latencyMs: 0);
        await V2.SetFaultsAsync(errorRate: 0, latencyMs: 0);
    }

    public async Task DisposeAsync()
    {
        await V1.DisposeAsync();
        await V2.DisposeAsync();
    }
}

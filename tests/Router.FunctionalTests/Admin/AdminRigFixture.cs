namespace Canary.Router.FunctionalTests.Admin;

/// <summary>One router (weight 10, admin key "k") shared by the tests of a class that only make refused writes.</summary>
public sealed class AdminRigFixture : IAsyncLifetime
{
    public const double Weight = 10;

    internal AdminRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await AdminRig.StartAsync(Weight);

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

/// <summary>
/// The same router in memory (WebApplicationFactory): for tests of the admin API's answers alone (auth, problem
/// details, documents), where a socket and backends are not the point.
/// </summary>
public sealed class AdminApiFixture : IAsyncLifetime
{
    internal AdminRig Rig { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Rig = AdminRig.StartInMemory(AdminRigFixture.Weight);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

/// <summary>One router without an admin key, in memory, shared by the tests of a class.</summary>
public sealed class KeylessRigFixture : IAsyncLifetime
{
    internal AdminRig Rig { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Rig = AdminRig.StartInMemory(AdminRigFixture.Weight, withKey: false);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>One router (weight 10, admin key "k") shared by the tests of a class that only make refused writes.</summary>
public sealed class AdminRigFixture : IAsyncLifetime
{
    public const double Weight = 10;

    internal AdminRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await AdminRig.StartAsync(Weight);

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

/// <summary>One router without an admin key, shared by the tests of a class.</summary>
public sealed class KeylessRigFixture : IAsyncLifetime
{
    internal AdminRig Rig { get; private set; } = null!;

    public async Task InitializeAsync() => Rig = await AdminRig.StartAsync(AdminRigFixture.Weight, withKey: false);

    public async Task DisposeAsync() => await Rig.DisposeAsync();
}

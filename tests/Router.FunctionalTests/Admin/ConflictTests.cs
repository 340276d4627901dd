using System.Net;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>409 (the release is not in a state that allows the change) and 412 on a revision gone stale; nothing changes.</summary>
public sealed class ConflictTests : IAsyncLifetime
{
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 10);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData("rollback", "rollback")]
    [InlineData("promote", "promote")]
    [InlineData("promote", "rollback")]
    [InlineData("promote", "weight")]
    [InlineData("promote", "switch")]
    [InlineData("promote", "pause")]
    [InlineData("pause", "pause")]
    [InlineData("rollback", "pause")]
    [InlineData(null, "resume")]
    [InlineData("drain", "drain")]
    [InlineData(null, "undrain")]
    public async Task Write_StateDoesNotAllowIt_409AndNothingChanged(string? first, string then)
    {
        if (first is not null)
        {
            using var accepted = await Writes.SendAsync(_rig, first, "Bearer " + AdminRig.Key);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var before = await _rig.SnapshotAsync();

        using var response = await Writes.SendAsync(_rig, then, "Bearer " + AdminRig.Key);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.Conflict);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), "a conflict without its reason");
        await _rig.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task PutWeight_IfMatchOfThePreviousRevision_412AndNothingChanged()
    {
        string stale;
        using (var current = await _rig.SendAdminAsync(HttpMethod.Get, AdminRig.ReleasePath))
        {
            stale = current.Headers.ETag!.ToString();
        }

        using (var first = await _rig.PutWeightAsync(20, stale))
        {
            Assert.Equal(20, (double)(await AdminRig.OkReleaseAsync(first))["weight"]!);
        }

        var before = await _rig.SnapshotAsync();

        using var response = await _rig.PutWeightAsync(30, stale);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Contains("revision 2", (string?)problem["detail"], StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
        Assert.Equal(20, before.Weight);
    }
}

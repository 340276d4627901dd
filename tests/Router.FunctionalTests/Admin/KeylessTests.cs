using System.Net;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>403: a router started without an admin key refuses every write, whatever key is sent, and still answers reads.</summary>
public sealed class KeylessTests(KeylessRigFixture fixture) : IClassFixture<KeylessRigFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    public static TheoryData<string, string?> WritesWithAnyKey()
    {
        var data = new TheoryData<string, string?>();
        foreach (var action in Writes.Actions)
        {
            foreach (var authorization in new[] { null, "Bearer " + AdminRig.Key, "Bearer " })
            {
                data.Add(action, authorization);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WritesWithAnyKey))]
    public async Task Write_NoKeyConfigured_403AndNothingChanged(string action, string? authorization)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await Writes.SendAsync(_rig, action, authorization);

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("/admin/releases")]
    [InlineData("/admin/releases/shop")]
    [InlineData("/admin/releases/shop/events")]
    [InlineData("/admin/releases/shop/figures")]
    public async Task Read_NoKeyConfigured_200WithoutKey(string path)
    {
        using var response = await Writes.GetAsync(_rig, path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GetRelease_NoKeyConfigured_StateWithRevisionAsETag()
    {
        using var response = await Writes.GetAsync(_rig, AdminRig.ReleasePath, null);

        var release = await AdminRig.OkReleaseAsync(response);
        Assert.Equal(AdminRig.Release, (string?)release["name"]);
        Assert.Equal(AdminRigFixture.Weight, (double)release["weight"]!);
    }
}

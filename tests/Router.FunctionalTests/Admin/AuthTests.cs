using System.Net;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>401: with a key configured, a missing or wrong key is refused with WWW-Authenticate; nothing changes.</summary>
public sealed class AuthTests(AdminApiFixture fixture) : IClassFixture<AdminApiFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    public static TheoryData<string, string?> WritesWithBadKeys()
    {
        var data = new TheoryData<string, string?>();
        foreach (var action in Writes.Actions)
        {
            foreach (var authorization in new[] { null, "Bearer nope", "Bearer k2", "Bearer ", "Basic k", "k" })
            {
                data.Add(action, authorization);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WritesWithBadKeys))]
    public async Task Write_MissingOrWrongKey_401WithChallengeAndNothingChanged(string action, string? authorization)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await Writes.SendAsync(_rig, action, authorization);

        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Bearer");
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("/admin/releases", null)]
    [InlineData("/admin/releases/shop", null)]
    [InlineData("/admin/releases/shop/events", null)]
    [InlineData("/admin/releases/shop/figures", null)]
    [InlineData("/admin/releases", "Bearer nope")]
    [InlineData("/admin/releases/shop", "Bearer nope")]
    public async Task Read_MissingOrWrongKey_401WithChallenge(string path, string? authorization)
    {
        using var response = await Writes.GetAsync(_rig, path, authorization);

        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Bearer");
        Assert.Null(response.Headers.ETag);
    }

    [Theory]
    [InlineData("/admin/releases")]
    [InlineData("/admin/releases/shop/events")]
    public async Task Read_RightKey_200(string path)
    {
        using var response = await Writes.GetAsync(_rig, path, "Bearer " + AdminRig.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/healthz")]
    public async Task OpenPath_NoKey_200(string path)
    {
        using var response = await Writes.GetAsync(_rig, path, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

using System.Net;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>404, 412, 413 and 415: each refused with problem details, and nothing changes.</summary>
public sealed class RejectedWriteTests(AdminRigFixture fixture) : IClassFixture<AdminRigFixture>
{
    private readonly AdminRig _rig = fixture.Rig;

    public static TheoryData<string> Actions() => [.. Writes.Actions];

    public static TheoryData<string, string> ActionsWithStaleOrBadIfMatch()
    {
        var data = new TheoryData<string, string>();
        foreach (var action in Writes.Actions)
        {
            // The fixture's release is at revision 1: none of these names it.
            foreach (var ifMatch in new[] { "\"999\"", "\"0\"", "W/\"2\"", "abc", "\"x\"", "1" })
            {
                data.Add(action, ifMatch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Write_UnknownRelease_404AndNothingChanged(string action)
    {
        var before = await _rig.SnapshotAsync();

        using var response = await Writes.SendAsync(_rig, action, "Bearer " + AdminRig.Key, release: "nope");

        await Problems.AssertAsync(response, HttpStatusCode.NotFound);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("/admin/releases/nope")]
    [InlineData("/admin/releases/nope/events")]
    [InlineData("/admin/releases/nope/figures")]
    [InlineData("/admin/releases/SHOP")]
    public async Task Read_UnknownRelease_404(string path)
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, path);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.Contains(path.Split('/')[3], (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Null(response.Headers.ETag);
    }

    [Theory]
    [MemberData(nameof(ActionsWithStaleOrBadIfMatch))]
    public async Task Write_IfMatchNotTheCurrentRevision_412AndNothingChanged(string action, string ifMatch)
    {
        var before = await _rig.SnapshotAsync();
        Assert.Equal(1, before.Revision);
        using var request = new HttpRequestMessage(Writes.Method(action), new Uri(_rig.AdminAddress, $"{AdminRig.ReleasePath}/{action}"))
        {
            Content = Writes.ValidBody(_rig, action),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + AdminRig.Key);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        using var response = await _rig.Client.SendAsync(request);

        await Problems.AssertAsync(response, HttpStatusCode.PreconditionFailed);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("weight", 16 * 1024 + 1, false)]
    [InlineData("weight", 16 * 1024 + 1, true)]
    [InlineData("weight", 40 * 1024, false)]
    [InlineData("weight", 40 * 1024, true)]
    [InlineData("drain", 16 * 1024 + 1, false)]
    [InlineData("drain", 16 * 1024 + 1, true)]
    public async Task Write_BodyOverTheLimit_413AndNothingChanged(string action, int size, bool chunked)
    {
        var before = await _rig.SnapshotAsync();
        var body = Padded(action == "weight" ? "{\"weight\": 50" : $"{{\"route\": \"api\", \"destination\": \"{_rig.Destination("api", "v1")}\"", size);
        HttpContent content = chunked ? new ChunkedContent(body, "application/json").Typed() : AdminRig.Json(body);

        using var response = await _rig.SendAdminAsync(Writes.Method(action), $"{AdminRig.ReleasePath}/{action}", content);

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await _rig.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData("weight", "text/plain")]
    [InlineData("weight", "application/x-www-form-urlencoded")]
    [InlineData("weight", "application/xml")]
    [InlineData("weight", null)]
    [InlineData("drain", "text/plain")]
    [InlineData("undrain", null)]
    public async Task Write_NotJsonContentType_415AndNothingChanged(string action, string? mediaType)
    {
        var before = await _rig.SnapshotAsync();
        var json = await Writes.ValidBody(_rig, action)!.ReadAsStringAsync();
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(json));
        if (mediaType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        }

        using var response = await _rig.SendAdminAsync(Writes.Method(action), $"{AdminRig.ReleasePath}/{action}", content);

        await Problems.AssertAsync(response, HttpStatusCode.UnsupportedMediaType);
        await _rig.AssertUnchangedAsync(before);
    }

    /// <summary>A JSON object that opens with <paramref name="start"/> and is padded with spaces to exactly <paramref name="size"/> bytes.</summary>
    internal static string Padded(string start, int size) => start + new string(' ', size - start.Length - 1) + "}";
}

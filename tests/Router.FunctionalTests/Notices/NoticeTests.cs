using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Admin;

namespace Canary.Router.FunctionalTests.Notices;

/// <summary>
/// Notices to users: scheduled through the admin API as part of the release's state (revision, decision log, state
/// file, restart, reload), served while active on the public listener's GET /canary/notice, never cached.
/// </summary>
public sealed class NoticeTests : IAsyncLifetime
{
    private const string Message = "Maintenance tonight 22:00 UTC: checkout is paused for 10 minutes.";
    private AdminRig? _rig;

    private AdminRig Rig => _rig!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 10);

    public async Task DisposeAsync() => await _rig!.DisposeAsync();

    [Fact]
    public async Task PutNotice_Active_ServedPubliclyPersistedAndLogged()
    {
        var before = await Rig.ReleaseAsync();
        var now = DateTimeOffset.UtcNow;

        using var put = await PutNoticeAsync(Message, now.AddMinutes(-1), now.AddHours(1));

        var view = await AdminRig.OkReleaseAsync(put);
        Assert.Equal((long)before["revision"]! + 1, (long)view["revision"]!);
        Assert.Equal(Message, view["notice"]!["message"]!.GetValue<string>());
        Assert.True(view["notice"]!["active"]!.GetValue<bool>());

        var (served, cache) = await PublicNoticesAsync();
        var notice = Assert.Single(served);
        Assert.Equal("shop", notice["release"]!.GetValue<string>());
        Assert.Equal(Message, notice["message"]!.GetValue<string>());
        Assert.Equal(now.AddHours(1).ToUnixTimeSeconds(), DateTimeOffset.Parse(notice["until"]!.GetValue<string>(), CultureInfo.InvariantCulture).ToUnixTimeSeconds());
        Assert.Equal("no-store", cache);

        var logged = (await Rig.EventsAsync()).OfType<JsonObject>().Last();
        Assert.Equal("notice", logged["action"]!.GetValue<string>());
        Assert.Equal("default", logged["key"]!.GetValue<string>());
        Assert.Contains(Message, logged["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(Message, await File.ReadAllTextAsync(Rig.StatePath), StringComparison.Ordinal);

        // Kept by a restart (the state file) and by a reload that changes the release's settings.
        await Rig.RestartRouterAsync();
        Assert.Equal((long)view["revision"]!, (long)(await Rig.ReleaseAsync())["revision"]!);
        await Rig.EditConfigAsync(release => release["Guard"] = new JsonObject { ["MinRequests"] = 30 });
        await AdminRig.EventuallyAsync(async () => (await Rig.EventsAsync()).OfType<JsonObject>().Any(e => e["action"]!.GetValue<string>() == "reload"),
            TimeSpan.FromSeconds(15), "the reload applied");
        Assert.Equal(Message, Assert.Single((await PublicNoticesAsync()).Notices)["message"]!.GetValue<string>());
        Assert.Empty((await PublicNoticesAsync("?release=other")).Notices);
    }

    [Fact]
    public async Task NoticeLaterOrRemoved_NotServed()
    {
        var now = DateTimeOffset.UtcNow;
        using (var later = await PutNoticeAsync("Maintenance next week", now.AddHours(1), now.AddHours(2)))
        {
            var view = await AdminRig.OkReleaseAsync(later);
            Assert.False(view["notice"]!["active"]!.GetValue<bool>());
        }

        Assert.Empty((await PublicNoticesAsync()).Notices);

        using (var active = await PutNoticeAsync(Message, now.AddMinutes(-1), now.AddHours(1)))
        {
            await AdminRig.OkReleaseAsync(active);
        }

        Assert.Single((await PublicNoticesAsync()).Notices);
        using (var removed = await Rig.SendAdminAsync(HttpMethod.Delete, AdminRig.ReleasePath + "/notice"))
        {
            var view = await AdminRig.OkReleaseAsync(removed);
            Assert.Null(view["notice"]);
        }

        Assert.Empty((await PublicNoticesAsync()).Notices);
        using var again = await Rig.SendAdminAsync(HttpMethod.Delete, AdminRig.ReleasePath + "/notice");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("notice-clear", (await Rig.EventsAsync()).OfType<JsonObject>().Last()["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadNotice_EveryFieldNamedAndNothingChanges()
    {
        var before = await Rig.SnapshotAsync();

        using var bad = await Rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/notice",
            AdminRig.Json("""{"message": "  ", "from": "tonight", "until": "2020-01-01T00:00:00Z"}"""));
        using var past = await Rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/notice",
            AdminRig.Json("""{"message": "old", "until": "2020-01-01T00:00:00Z"}"""));
        using var missing = await Rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/notice", AdminRig.Json("{}"));
        using var unknown = await Rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/notice",
            AdminRig.Json("""{"message": "m", "until": "2099-01-01T00:00:00Z", "colour": "red"}"""));

        var errors = await ErrorsAsync(bad);
        Assert.Equal(["from", "message", "until"], errors.Select(e => e.Key).Order());
        Assert.Equal(["until"], (await ErrorsAsync(past)).Select(e => e.Key));
        Assert.Equal(["message", "until"], (await ErrorsAsync(missing)).Select(e => e.Key).Order());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        await Rig.AssertUnchangedAsync(before);
    }

    private Task<HttpResponseMessage> PutNoticeAsync(string message, DateTimeOffset from, DateTimeOffset until) =>
        Rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/notice", AdminRig.Json(new JsonObject
        {
            ["message"] = message,
            ["from"] = from.ToString("O", CultureInfo.InvariantCulture),
            ["until"] = until.ToString("O", CultureInfo.InvariantCulture),
        }.ToJsonString()));

    private async Task<(List<JsonObject> Notices, string? CacheControl)> PublicNoticesAsync(string query = "")
    {
        using var response = await Rig.Client.GetAsync(new Uri(Rig.Host.PublicAddress, "/canary/notice" + query));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ([.. body["notices"]!.AsArray().OfType<JsonObject>()], response.Headers.CacheControl?.ToString());
    }

    private static async Task<JsonObject> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
    }
}

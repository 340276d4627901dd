using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>200: an accepted change answers with the new state and ETag, is effective for the next request, persisted before the response and logged.</summary>
public sealed class AcceptedChangeTests : IAsyncLifetime
{
    private const int Users = 20;
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task GetRelease_Known_200WithStateAndRevisionAsETag()
    {
        var release = await _rig.ReleaseAsync();

        Assert.Equal("shop", (string?)release["name"]);
        Assert.Equal("v1", (string?)release["stable"]);
        Assert.Equal("v2", (string?)release["canary"]);
        Assert.Equal(0, (double)release["weight"]!);
        Assert.Equal("Progressing", (string?)release["phase"]);
        Assert.Equal(1, (long)release["revision"]!);
        Assert.Equal("beta", (string?)release["segments"]![0]!["name"]);
        Assert.NotNull(release["guard"]);
    }

    [Fact]
    public async Task ListReleases_200WithTheRelease()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, "/admin/releases");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var releases = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        var shop = Assert.Single(releases);
        Assert.Equal("shop", (string?)shop!["name"]);
        Assert.Equal(1, (long)shop["revision"]!);
    }

    [Fact]
    public async Task PutWeight_ZeroToHundred_NextRequestOnCanary()
    {
        Assert.Equal(["v1"], await VersionsAsync());

        using var response = await _rig.PutWeightAsync(100);

        var release = await AdminRig.OkReleaseAsync(response);
        Assert.Equal(100, (double)release["weight"]!);
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());
        Assert.Equal(["v2"], await VersionsAsync());
    }

    [Fact]
    public async Task PutWeight_Accepted_PersistedBeforeTheResponse()
    {
        using var response = await _rig.PutWeightAsync(35.5);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Read as soon as the answer is in: the file must already hold the change.
        var persisted = JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!;
        Assert.Equal(35.5, (double)persisted["weight"]!);
        Assert.Equal(2, (long)persisted["revision"]!);
        Assert.Equal("Progressing", (string?)persisted["phase"]);
    }

    [Fact]
    public async Task PutWeight_Accepted_LoggedAsOperatorEventWithBeforeAfterAndReason()
    {
        var before = await _rig.EventsAsync();

        using var response = await _rig.PutWeightAsync(35);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var events = await _rig.EventsAsync();
        Assert.Equal(before.Count + 1, events.Count);
        var entry = events[^1]!;
        Assert.Equal("shop", (string?)entry["release"]);
        Assert.Equal("operator", (string?)entry["actor"]);
        Assert.Equal("weight", (string?)entry["action"]);
        Assert.Contains("35", (string?)entry["reason"], StringComparison.Ordinal);
        Assert.NotNull((string?)entry["time"]);
        Assert.Equal(0, (double)entry["before"]!["weight"]!);
        Assert.Equal(1, (long)entry["before"]!["revision"]!);
        Assert.Equal(35, (double)entry["after"]!["weight"]!);
        Assert.Equal(2, (long)entry["after"]!["revision"]!);

        // ...and appended to the log file beside the state file.
        var line = JsonNode.Parse((await File.ReadAllLinesAsync(_rig.StatePath + ".events.jsonl"))[^1])!;
        Assert.Equal("weight", (string?)line["action"]);
        Assert.Equal(35, (double)line["after"]!["weight"]!);
    }

    [Theory]
    [InlineData("promote", "Promoted", "v2", "v2")]
    [InlineData("rollback", "RolledBack", "v1", "v1")]
    [InlineData("switch", "Switched", "v2", "v2")]
    [InlineData("pause", "Paused", "v1", "v2")]
    public async Task Action_Accepted_EffectiveOnNextRequestPersistedAndLogged(string action, string phase, string everyone, string beta)
    {
        var eventsBefore = (await _rig.EventsAsync()).Count;

        using var response = await _rig.PostAsync(action);

        var release = await AdminRig.OkReleaseAsync(response);
        Assert.Equal(phase, (string?)release["phase"]);
        Assert.Equal([everyone], await VersionsAsync());
        Assert.Equal(beta, (await _rig.GetAsync("/api/x", Cohorts.User(1), ("X-Beta", "true"))).Body!.Version);
        var persisted = JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!;
        Assert.Equal(phase, (string?)persisted["phase"]);
        Assert.Equal(2, (long)persisted["revision"]!);
        var events = await _rig.EventsAsync();
        Assert.Equal(eventsBefore + 1, events.Count);
        Assert.Equal("operator", (string?)events[^1]!["actor"]);
        Assert.Equal(action, (string?)events[^1]!["action"]);
        Assert.Equal("Progressing", (string?)events[^1]!["before"]!["phase"]);
        Assert.Equal(phase, (string?)events[^1]!["after"]!["phase"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)events[^1]!["reason"]));
    }

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("*")]
    public async Task PutWeight_IfMatchCurrentOrAny_200(string ifMatch)
    {
        using var response = await _rig.PutWeightAsync(40, ifMatch);

        var release = await AdminRig.OkReleaseAsync(response);
        Assert.Equal(40, (double)release["weight"]!);
        Assert.Equal(2, (long)release["revision"]!);
    }

    [Fact]
    public async Task PutWeight_BodyExactlyAtTheLimit_200()
    {
        var body = RejectedWriteTests.Padded("{\"weight\": 60", 16 * 1024);

        using var response = await _rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/weight", AdminRig.Json(body));

        Assert.Equal(60, (double)(await AdminRig.OkReleaseAsync(response))["weight"]!);
    }

    [Fact]
    public async Task PutWeight_JsonWithCharset_200()
    {
        using var content = new StringContent("{\"Weight\": 12.34}");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

        using var response = await _rig.SendAdminAsync(HttpMethod.Put, AdminRig.ReleasePath + "/weight", content);

        Assert.Equal(12.34, (double)(await AdminRig.OkReleaseAsync(response))["weight"]!);
    }

    [Fact]
    public async Task DrainThenUndrain_Accepted_StateShowsItAndBothLogged()
    {
        var address = AdminRig.Url(_rig.Backend("api", "v2"));
        var body = $"{{\"route\": \"api\", \"destination\": \"{address}\"}}";

        using var drained = await _rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/drain", AdminRig.Json(body));
        Assert.True(IsDraining(await AdminRig.OkReleaseAsync(drained), address));
        Assert.Contains(address, await File.ReadAllTextAsync(_rig.StatePath), StringComparison.Ordinal);

        using var undrained = await _rig.SendAdminAsync(HttpMethod.Post, AdminRig.ReleasePath + "/undrain", AdminRig.Json(body));
        Assert.False(IsDraining(await AdminRig.OkReleaseAsync(undrained), address));

        var events = await _rig.EventsAsync();
        Assert.Equal(["drain", "undrain"], events.TakeLast(2).Select(e => (string?)e!["action"]));
        Assert.All(events.TakeLast(2), e => Assert.Equal("operator", (string?)e!["actor"]));
    }

    private static bool IsDraining(JsonObject release, string address) =>
        release["routes"]!.AsArray().Single(r => (string?)r!["name"] == "api")!["versions"]!["v2"]!.AsArray()
            .Single(d => (string?)d!["address"] == address)!["draining"]!.GetValue<bool>();

    /// <summary>The distinct versions that served a set of users on both routes, checked against the response header.</summary>
    private async Task<string[]> VersionsAsync()
    {
        var versions = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Users; i++)
        {
            foreach (var path in new[] { "/", "/api/x" })
            {
                var reply = await _rig.GetAsync(path, Cohorts.User(i));
                Assert.Equal(HttpStatusCode.OK, reply.Status);
                Assert.Equal(reply.Body!.Version, reply.CanaryVersion);
                versions.Add(reply.Body.Version);
            }
        }

        return [.. versions];
    }
}

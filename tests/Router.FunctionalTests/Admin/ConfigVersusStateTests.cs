using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>router.json and the operator's state on a running router: the file wins for what an edit changed, the operator's state stays for the rest.</summary>
public sealed class ConfigVersusStateTests : IAsyncLifetime
{
    private const double FileWeight = 10;
    private const double OperatorWeight = 40;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(2);
    private AdminRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await AdminRig.StartAsync(FileWeight);
        using var response = await _rig.PutWeightAsync(OperatorWeight);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task OperatorWeight_RouterJsonWeightEdited_FileWeightApplies()
    {
        await _rig.EditConfigAsync(r => r["Weight"] = 60);

        await AdminRig.EventuallyAsync(async () => (double)(await _rig.ReleaseAsync())["weight"]! == 60, Within, "router.json's weight applied");
        var user = AdminRig.UserMovedBetween(OperatorWeight, 60);
        Assert.Equal("v2", (await _rig.GetAsync("/api/x", user)).Body!.Version);
        var all = await _rig.EventsAsync();
        var entry = all[^1]!;
        Assert.True((double)entry["after"]!["weight"]! == 60, $"events={all.ToJsonString()}");
        Assert.Equal("reload", (string?)entry["actor"]);
        Assert.Equal(OperatorWeight, (double)entry["before"]!["weight"]!);
        Assert.Equal(60, (double)entry["after"]!["weight"]!);
        Assert.Equal(60, (double)JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!["weight"]!);
    }

    [Fact]
    public async Task OperatorWeight_RouterJsonOtherKeyEdited_OperatorWeightStays()
    {
        var before = await _rig.ReleaseAsync();

        await _rig.EditConfigAsync(r => r["Segments"]!.AsArray().Add(AdminRig.Segment("gamma", "X-Gamma", "1", "v2")));

        await AdminRig.EventuallyAsync(async () => (await _rig.ReleaseAsync())["segments"]!.AsArray().Count == 2, Within, "the new segment applied");
        var after = await _rig.ReleaseAsync();
        Assert.Equal(OperatorWeight, (double)after["weight"]!);
        Assert.Equal((string?)before["phase"], (string?)after["phase"]);
        Assert.Equal("v2", (await _rig.GetAsync("/api/x", Cohorts.FirstUserOn("v1", OperatorWeight), ("X-Gamma", "1"))).Body!.Version);
    }

    [Fact]
    public async Task OperatorState_RouterJsonNamesNewCanary_ReleaseStartsOverFromTheFile()
    {
        using (var rollback = await _rig.PostAsync("rollback"))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        }

        var before = await _rig.ReleaseAsync();
        var api = await _rig.AddBackendAsync("v3", "api");
        var web = await _rig.AddBackendAsync("v3", "web");

        await _rig.EditConfigAsync(r =>
        {
            r["Canary"] = "v3";
            r["Weight"] = 5;
            r["Segments"] = new JsonArray(AdminRig.Segment("beta", "X-Beta", "true", "v3"));
            r["Routes"]!["api"]!["Versions"] = new JsonObject { ["v1"] = r["Routes"]!["api"]!["Versions"]!["v1"]!.DeepClone(), ["v3"] = new JsonArray(AdminRig.Url(api)) };
            r["Routes"]!["web"]!["Versions"] = new JsonObject { ["v1"] = r["Routes"]!["web"]!["Versions"]!["v1"]!.DeepClone(), ["v3"] = new JsonArray(AdminRig.Url(web)) };
        });

        await AdminRig.EventuallyAsync(async () => (string?)(await _rig.ReleaseAsync())["canary"] == "v3", Within, "the new canary applied");
        var after = await _rig.ReleaseAsync();
        Assert.Equal(5, (double)after["weight"]!);
        Assert.Equal("Progressing", (string?)after["phase"]);
        Assert.Equal("v1", (string?)after["stable"]);
        Assert.True((long)after["revision"]! > (long)before["revision"]!, "the revision did not go up");
        var persisted = JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!;
        Assert.Equal("v3", (string?)persisted["canary"]);
        Assert.Equal(5, (double)persisted["weight"]!);
        var reply = await _rig.GetAsync("/api/x", Cohorts.FirstUserOn("v2", 5));
        var onCanary = reply.Body!;
        Assert.True("v3" == onCanary.Version, $"hdr={reply.CanaryVersion} status={reply.Status} backend={reply.BackendVersion} state={(await _rig.ReleaseAsync()).ToJsonString()} events={(await _rig.EventsAsync()).ToJsonString()}");
        Assert.Equal("v3", (await _rig.GetAsync("/", Cohorts.User(1), ("X-Beta", "true"))).Body!.Version);
        Assert.Equal("v1", (await _rig.GetAsync("/", Cohorts.FirstUserOn("v1", 5))).Body!.Version);
    }
}

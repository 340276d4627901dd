using System.Net;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>Operator changes survive a restart; a state file that cannot be read is kept aside and the router starts from router.json.</summary>
public sealed class PersistenceTests : IAsyncLifetime
{
    private const double FileWeight = 10;
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(FileWeight);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task PutWeight_ThenRestart_WeightAndRevisionSurviveAndRoute()
    {
        using (var response = await _rig.PutWeightAsync(70))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _rig.RestartRouterAsync();

        var release = await _rig.ReleaseAsync();
        Assert.Equal(70, (double)release["weight"]!);
        Assert.Equal(2, (long)release["revision"]!);
        Assert.Equal("Progressing", (string?)release["phase"]);
        // Canary at 70%, stable at the file's 10%: the restarted router routes by the operator's weight.
        var user = AdminRig.UserMovedBetween(FileWeight, 70);
        Assert.Equal("v2", (await _rig.GetAsync("/api/x", user)).Body!.Version);
    }

    [Fact]
    public async Task Rollback_ThenRestart_StillRolledBack()
    {
        using (var response = await _rig.PostAsync("rollback"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _rig.RestartRouterAsync();

        var release = await _rig.ReleaseAsync();
        Assert.Equal("RolledBack", (string?)release["phase"]);
        Assert.Equal(0, (double)release["weight"]!);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", Cohorts.User(1), ("X-Beta", "true"))).Body!.Version);
    }

    [Fact]
    public async Task PutWeight_RouterJsonWeightEditedWhileStopped_FileWeightAppliesAtStart()
    {
        using (var response = await _rig.PutWeightAsync(70))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _rig.RestartRouterAsync(() => _rig.EditConfigAsync(r => r["Weight"] = 25));

        // A visible change: a new revision (so a client holding If-Match "2" is refused), an event and a write.
        var release = await _rig.ReleaseAsync();
        Assert.Equal(25, (double)release["weight"]!);
        Assert.Equal(3, (long)release["revision"]!);
        var entry = (await _rig.EventsAsync())[^1]!;
        Assert.Equal("reload", (string?)entry["actor"]);
        Assert.Equal(70, (double)entry["before"]!["weight"]!);
        Assert.Equal(25, (double)entry["after"]!["weight"]!);
        Assert.Equal(3, (long)JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!["revision"]!);
        using var stale = await _rig.PutWeightAsync(30, ifMatch: "\"2\"");
        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Restart_NothingEdited_SameRevisionNoEventNoWrite()
    {
        using (var response = await _rig.PutWeightAsync(70))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var before = await _rig.SnapshotAsync();
        var written = File.GetLastWriteTimeUtc(_rig.StatePath);

        // Even router.json rewritten with other formatting: the same values.
        await _rig.RestartRouterAsync(() => File.WriteAllTextAsync(_rig.ConfigPath, _rig.Config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })));

        await _rig.AssertUnchangedAsync(before);
        Assert.Equal(written, File.GetLastWriteTimeUtc(_rig.StatePath));
    }

    [Fact]
    public async Task Restart_SegmentEditedWhileStopped_NewRevisionAndEvent()
    {
        var revision = (long)(await _rig.ReleaseAsync())["revision"]!;

        await _rig.RestartRouterAsync(() => _rig.EditConfigAsync(r => r["Segments"]!.AsArray().Add(AdminRig.Segment("gamma", "X-Gamma", "1", "v2"))));

        var release = await _rig.ReleaseAsync();
        Assert.Equal(2, release["segments"]!.AsArray().Count);
        Assert.Equal(revision + 1, (long)release["revision"]!);
        Assert.Equal("reload", (string?)(await _rig.EventsAsync())[^1]!["actor"]);
    }

    [Fact]
    public async Task Restart_CorruptStateFile_RevisionsAboveEveryRevisionSeen()
    {
        for (var weight = 20; weight <= 50; weight += 10)
        {
            using var response = await _rig.PutWeightAsync(weight);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _rig.RestartRouterAsync(() => File.WriteAllTextAsync(_rig.StatePath, "{\"version\": 1, \"releases\": {\"shop\": {"));

        // Revision 5 was the last one acknowledged; router.json's state now is a change above it.
        var release = await _rig.ReleaseAsync();
        Assert.Equal(FileWeight, (double)release["weight"]!);
        Assert.Equal(6, (long)release["revision"]!);
    }

    [Fact]
    public async Task Start_NewRelease_WrittenAtOnce()
    {
        Assert.Equal(1, (long)JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!["revision"]!);
        var added = Assert.Single(await _rig.EventsAsync(), e => (string?)e!["action"] == "add");
        Assert.Equal(1, (long)added!["after"]!["revision"]!);
    }

    [Fact]
    public async Task PutWeight_StateFileCannotBeWritten_RefusedAndNothingChanged()
    {
        // The router renames a temporary file over the state file: a folder in its place makes the write fail.
        File.Delete(_rig.StatePath);
        Directory.CreateDirectory(_rig.StatePath);
        var before = await _rig.SnapshotAsync();

        using var response = await _rig.PutWeightAsync(70);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("nothing changed", (string?)problem["detail"], StringComparison.Ordinal);
        await _rig.AssertUnchangedAsync(before);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", AdminRig.UserMovedBetween(FileWeight, 70))).Body!.Version);
        Assert.Equal(1, await _rig.MetricAsync("canary_state_write_failures_total"));

        // Once the file can be written again, so can the change.
        Directory.Delete(_rig.StatePath);
        using var retry = await _rig.PutWeightAsync(70);
        Assert.Equal(70, (double)(await AdminRig.OkReleaseAsync(retry))["weight"]!);
    }

    [Theory]
    [InlineData("{\"version\": 1, \"releases\": {\"shop\": {\"stab")]
    [InlineData("")]
    [InlineData("{\"version\": null}")]
    [InlineData("{ \"version\": [1, 2, 3] }")]
    [InlineData("{\"version\": 99, \"releases\": {}}")]
    [InlineData("{\"version\": 1, \"releases\": {\"shop\": {\"weight\": \"lots\"}}}")]
    [InlineData("{\"version\": 1, \"releases\": {\"shop\": {\"weight\": 70}}}")]
    [InlineData("{\"version\": 1}")]
    public async Task Restart_CorruptStateFile_StartsFromRouterJsonKeepsTheFileAsideAndLogsIt(string garbage)
    {
        using (var response = await _rig.PutWeightAsync(70))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _rig.RestartRouterAsync(() => File.WriteAllTextAsync(_rig.StatePath, garbage));

        // router.json's values, not the operator's lost ones.
        var release = await _rig.ReleaseAsync();
        Assert.Equal(FileWeight, (double)release["weight"]!);
        Assert.Equal("Progressing", (string?)release["phase"]);
        var user = Cohorts.FirstUserOn("v1", FileWeight);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", user)).Body!.Version);

        // The garbage is kept, byte for byte, beside where it was.
        var aside = Assert.Single(Directory.GetFiles(_rig.Folder, "router.state.json.corrupt-*"));
        Assert.Equal(garbage, await File.ReadAllTextAsync(aside));

        // A router-wide event says so.
        var events = await _rig.EventsAsync();
        var entry = Assert.Single(events, e => e!["release"] is null);
        Assert.Equal("state-file-corrupt", (string?)entry!["action"]);
        Assert.Contains(Path.GetFileName(aside), (string?)entry["reason"], StringComparison.Ordinal);

        // And the router persists again from there.
        using (var response = await _rig.PutWeightAsync(15))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(15, (double)JsonNode.Parse(await File.ReadAllTextAsync(_rig.StatePath))!["releases"]!["shop"]!["weight"]!);
    }

    [Theory]
    [InlineData("{ this is not json")]
    [InlineData("null")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"Router\": {\"Releases\": {}}}")]
    [InlineData("root:x:0:0:root:/root:/bin/bash\n")]
    public async Task Restart_StateFileIsSomeoneElsesFile_RefusedNamingStateFileAndFileUntouched(string content)
    {
        await _rig.StopRouterAsync();
        await File.WriteAllTextAsync(_rig.StatePath, content);

        var refused = await Assert.ThrowsAsync<Canary.Router.Configuration.ConfigException>(() => Canary.Router.Hosting.RouterHost.StartAsync(_rig.ConfigPath));

        Assert.Contains("Router.StateFile", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not a Canary state file", refused.Message, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(_rig.StatePath));
        Assert.Empty(Directory.GetFiles(_rig.Folder, "router.state.json.corrupt-*"));
    }

    [Fact]
    public async Task Start_StateFileIsRouterJsonOrAFolder_Refused()
    {
        await _rig.StopRouterAsync();
        var config = await File.ReadAllTextAsync(_rig.ConfigPath);
        var router = JsonNode.Parse(config)!;

        router["Router"]!["StateFile"] = "router.json";
        await File.WriteAllTextAsync(_rig.ConfigPath, router.ToJsonString());
        var itself = await Assert.ThrowsAsync<Canary.Router.Configuration.ConfigException>(() => Canary.Router.Hosting.RouterHost.StartAsync(_rig.ConfigPath));
        Assert.Contains("router.json itself", itself.Message, StringComparison.Ordinal);

        Directory.CreateDirectory(Path.Combine(_rig.Folder, "state-folder"));
        router["Router"]!["StateFile"] = "state-folder";
        await File.WriteAllTextAsync(_rig.ConfigPath, router.ToJsonString());
        var folder = await Assert.ThrowsAsync<Canary.Router.Configuration.ConfigException>(() => Canary.Router.Hosting.RouterHost.StartAsync(_rig.ConfigPath));
        Assert.Contains("is a folder", folder.Message, StringComparison.Ordinal);
        await File.WriteAllTextAsync(_rig.ConfigPath, config);
    }
}

using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>
/// Editing router.json under traffic: a valid edit applies within 2 s with no failed request; a broken one changes
/// nothing, is counted in canary_config_reload_failures_total and logged as a reload-refused event.
/// </summary>
public sealed class HotReloadTests : IAsyncLifetime
{
    private const string FailuresMetric = "canary_config_reload_failures_total";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(2);
    private AdminRig _rig = null!;

    public async Task InitializeAsync() => _rig = await AdminRig.StartAsync(weight: 0);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData("weight")]
    [InlineData("segment")]
    [InlineData("guard")]
    [InlineData("destination")]
    [InlineData("route")]
    public async Task ValidEdit_UnderLoad_AppliesWithin2sWithoutFailedRequests(string edit)
    {
        var user = Cohorts.User(7);
        Func<Task<bool>> applied;
        Action<JsonObject> change;
        switch (edit)
        {
            case "weight":
                change = r => r["Weight"] = 100;
                applied = async () => (await _rig.GetAsync("/api/x", user)).Body!.Version == "v2";
                break;
            case "segment":
                change = r => r["Segments"]!.AsArray().Add(AdminRig.Segment("gamma", "X-Gamma", "1", "v2"));
                applied = async () => (await _rig.GetAsync("/api/x", user, ("X-Gamma", "1"))).Body!.Version == "v2";
                break;
            case "guard":
                change = r => r["Guard"] = new JsonObject { ["MaxErrorRate"] = 0.25 };
                applied = async () => (double)(await _rig.ReleaseAsync())["guard"]!["maxErrorRate"]! == 0.25;
                break;
            case "destination":
                var moved = await _rig.AddBackendAsync("v1-moved", "api");
                change = r => r["Routes"]!["api"]!["Versions"]!["v1"] = new JsonArray(AdminRig.Url(moved));
                applied = async () => (await _rig.GetAsync("/api/x", user)) is { Body.Version: "v1-moved", CanaryVersion: "v1" };
                break;
            default:
                var v1 = await _rig.AddBackendAsync("v1", "extra");
                var v2 = await _rig.AddBackendAsync("v2", "extra");
                change = r => r["Routes"]!["extra"] = AdminRig.Route("/extra/{**rest}", ("v1", AdminRig.Url(v1)), ("v2", AdminRig.Url(v2)));
                applied = async () => (await _rig.GetAsync("/extra/x", user)).Body!.Route == "extra";
                break;
        }

        Assert.False(await applied(), "the change holds before the edit");
        await using var load = LoadLoop.Start(_rig.Host.PublicAddress, "/", "/api/x", "/extra/x");

        await _rig.EditConfigAsync(change);
        await AdminRig.EventuallyAsync(applied, Within, $"the {edit} edit applied");
        await Task.Delay(100); // some traffic on the new configuration too

        var (requests, failures) = await load.StopAsync();
        Assert.Empty(failures);
        Assert.True(requests > 0, "no traffic ran during the reload");
        Assert.Equal(0, await _rig.MetricAsync(FailuresMetric));
        Assert.Contains(await _rig.EventsAsync(), e => (string?)e!["actor"] == "reload");
    }

    [Theory]
    [InlineData("invalid-json", "is not valid JSON")]
    [InlineData("weight-300", "must be between 0 and 100")]
    public async Task BrokenEdit_UnderLoad_OldConfigStaysCountedAndLogged(string edit, string problem)
    {
        var before = await _rig.SnapshotAsync();
        var gammaUser = Cohorts.User(3);
        await using var load = LoadLoop.Start(_rig.Host.PublicAddress, "/", "/api/x");

        if (edit == "invalid-json")
        {
            await File.WriteAllTextAsync(_rig.ConfigPath, """{ "Router": { "Releases": { "shop": { "Weight": 100, """);
        }
        else
        {
            // A good change beside the bad one: nothing may be half-applied.
            await _rig.EditConfigAsync(r =>
            {
                r["Weight"] = 300;
                r["Segments"]!.AsArray().Add(AdminRig.Segment("gamma", "X-Gamma", "1", "v2"));
            });
        }

        await AdminRig.EventuallyAsync(async () => await _rig.MetricAsync(FailuresMetric) == 1, Within, $"{FailuresMetric} counted the refused edit");
        var (_, failures) = await load.StopAsync();
        Assert.Empty(failures);

        // The counter moves before the decision log's line is written: wait for the line too.
        await AdminRig.EventuallyAsync(async () => (await _rig.EventsAsync()).Any(e => (string?)e!["action"] == "reload-refused"), Within, "the refused edit reached the decision log");
        var refused = Assert.Single(await _rig.EventsAsync(), e => (string?)e!["action"] == "reload-refused");
        Assert.Equal("reload", (string?)refused!["actor"]);
        Assert.Null(refused["release"]);
        Assert.Contains(problem, (string?)refused["reason"], StringComparison.Ordinal);
        if (edit == "weight-300")
        {
            Assert.Contains("Weight = 300", (string?)refused["reason"], StringComparison.Ordinal);
        }

        var after = await _rig.SnapshotAsync();
        Assert.Equal(before with { Events = before.Events + 1 }, after);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", Cohorts.User(1))).Body!.Version);
        Assert.Equal("v1", (await _rig.GetAsync("/api/x", gammaUser, ("X-Gamma", "1"))).Body!.Version);

        // The watcher goes on: the next valid edit applies.
        _rig.ReleaseConfig["Segments"] = new JsonArray(AdminRig.Segment("beta", "X-Beta", "true", "v2"));
        await _rig.EditConfigAsync(r => r["Weight"] = 100);
        await AdminRig.EventuallyAsync(async () => (await _rig.GetAsync("/api/x", Cohorts.User(1))).Body!.Version == "v2", Within, "the next valid edit applied");
        Assert.Equal(1, await _rig.MetricAsync(FailuresMetric));
    }
}

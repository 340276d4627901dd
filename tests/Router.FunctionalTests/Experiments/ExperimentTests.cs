using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Admin;
using Canary.Router.Routing;

namespace Canary.Router.FunctionalTests.Experiments;

/// <summary>
/// Goals counted through the real router: request goals on proxied responses, beacons on /canary/goals, per
/// version, per user (not per request), kept across restarts and reloads. Release "shop" at 50% with goals
/// "orders" (POST /api/orders answered 2xx), "feedback" (a beacon, no value) and "score" (a beacon, value 1..5).
/// </summary>
public sealed class ExperimentTests : IAsyncLifetime
{
    private const double Weight = 50;
    private AdminRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = await AdminRig.StartAsync(Weight);
        await _rig.EditConfigAsync(release => release["Goals"] = Goals());
        await _rig.RestartRouterAsync();
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task RequestGoal_KeyedUsersConvertingRepeatedly_EachCountedOncePerVersion()
    {
        var expected = new Dictionary<string, (int Users, int Converted)> { ["v1"] = (0, 0), ["v2"] = (0, 0) };
        for (var i = 0; i < 40; i++)
        {
            var user = Cohorts.User(i);
            var version = Cohorts.Expected(user, Weight);
            Assert.Equal(version, (await _rig.GetAsync("/api/version", user)).CanaryVersion);
            var converts = i % 2 == 0;
            if (converts)
            {
                for (var order = 0; order < 3; order++)
                {
                    Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/orders", user));
                }
            }

            // Neither a refused order (4xx: a 5xx would have the guard roll the canary back) nor a GET is the goal.
            Assert.Equal(HttpStatusCode.Conflict, await SendAsync(HttpMethod.Post, "/api/orders?status=409", user));
            Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Get, "/api/orders", user));
            var (users, converted) = expected[version];
            expected[version] = (users + 1, converted + (converts ? 1 : 0));
        }

        var report = await ExperimentAsync();

        // Small counts are exact in a HyperLogLog of 16384 registers.
        Assert.Equal("running", (string)report["status"]!);
        foreach (var version in new[] { "v1", "v2" })
        {
            Assert.Equal(expected[version].Users, Users(report, version));
            Assert.Equal(expected[version].Converted, Converted(report, "orders", version));
        }
    }

    [Fact]
    public async Task Beacon_AnonymousUser_CountedForTheCookiesVersion()
    {
        var counted = new Dictionary<string, int> { ["v1"] = 0, ["v2"] = 0 };
        for (var i = 0; i < 12; i++)
        {
            var page = await _rig.GetAsync("/");
            var cookie = page.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;
            var version = Cohorts.Expected(AnonymousId.IdOf(cookie), Weight);
            Assert.Equal(version, page.CanaryVersion);
            using var first = await BeaconAsync("feedback", null, cookie: cookie);
            using var again = await BeaconAsync("feedback", null, cookie: cookie);
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
            Assert.Equal(version, first.Headers.GetValues("X-Canary-Version").Single());
            counted[version]++;
        }

        var report = await ExperimentAsync();
        Assert.Equal(counted["v1"], Converted(report, "feedback", "v1"));
        Assert.Equal(counted["v2"], Converted(report, "feedback", "v2"));
    }

    [Fact]
    public async Task Beacon_NumericValue_SumsPerVersion()
    {
        var stableUser = Cohorts.FirstUserOn("v1", Weight);
        var canaryUser = Cohorts.FirstUserOn("v2", Weight);
        foreach (var (user, value) in new[] { (stableUser, 2.0), (stableUser, 4.0), (canaryUser, 5.0) })
        {
            using var response = await BeaconAsync("score", $"{{\"value\": {value.ToString(CultureInfo.InvariantCulture)}}}", user);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var report = await ExperimentAsync();
        var score = Goal(report, "score");
        Assert.Equal(2, (long)score["stable"]!["values"]!);
        Assert.Equal(3.0, (double)score["stable"]!["mean"]!);
        Assert.Equal(1, (long)score["stable"]!["converted"]!);
        Assert.Equal(5.0, (double)score["canary"]!["mean"]!);
    }

    [Fact]
    public async Task Beacon_TamperedOrMissingIdentity_RefusedAndNotCounted()
    {
        var page = await _rig.GetAsync("/");
        var cookie = page.SetCookie(RouterRig.AnonymousCookie)!.Value.Value!;
        var tampered = (cookie[0] == 'A' ? 'B' : 'A') + cookie[1..];

        using var forged = await BeaconAsync("feedback", null, cookie: tampered);
        using var none = await BeaconAsync("feedback", null);

        await AssertProblemAsync(forged, HttpStatusCode.Forbidden, "No user identity");
        await AssertProblemAsync(none, HttpStatusCode.Forbidden, "No user identity");
        var report = await ExperimentAsync();
        Assert.Equal(0, Converted(report, "feedback", "v1") + Converted(report, "feedback", "v2"));
    }

    [Theory]
    [InlineData("nope", null, HttpStatusCode.NotFound, "Unknown goal")]
    [InlineData("score", null, HttpStatusCode.BadRequest, "is required")]
    [InlineData("score", "{\"value\": 9}", HttpStatusCode.BadRequest, "must be between 1 and 5")]
    [InlineData("score", "{\"value\": \"4\"}", HttpStatusCode.BadRequest, "must be a number")]
    [InlineData("score", "{\"value\": 4, \"user\": \"x\"}", HttpStatusCode.BadRequest, "is not a field")]
    [InlineData("score", "{\"value\": 4", HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("feedback", "{\"value\": 4}", HttpStatusCode.BadRequest, "takes no value")]
    [InlineData("orders", null, HttpStatusCode.NotFound, "Unknown goal")]
    public async Task Beacon_BadRequest_ProblemDetailsAndNothingCounted(string goal, string? body, HttpStatusCode status, string why)
    {
        using var response = await BeaconAsync(goal, body, Cohorts.User(1));

        await AssertProblemAsync(response, status, why);
        Assert.Equal(0, Users(await ExperimentAsync(), Cohorts.Expected(Cohorts.User(1), Weight)));
    }

    [Fact]
    public async Task Beacon_OversizedBody_413()
    {
        using var response = await BeaconAsync("score", "{\"value\": 4" + new string(' ', 2000) + "}", Cohorts.User(1));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "at most 1024 bytes");
    }

    [Fact]
    public async Task RoutersOwnPrefix_NeverProxied()
    {
        var reply = await _rig.GetAsync("/canary/anything", Cohorts.User(1));

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Null(reply.CanaryVersion);
        Assert.Null(reply.BackendVersion);
    }

    [Fact]
    public async Task Counts_AcrossRestartAndReload_Kept()
    {
        var user = Cohorts.FirstUserOn("v2", Weight);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/orders", user));
        await _rig.RestartRouterAsync();

        var afterRestart = await ExperimentAsync();
        Assert.Equal(1, Users(afterRestart, "v2"));
        Assert.Equal(1, Converted(afterRestart, "orders", "v2"));

        // A reload that adds a goal keeps the experiment and its counts; the new goal starts at zero.
        await _rig.EditConfigAsync(release => release["Goals"]!.AsArray().Add(new JsonObject { ["Name"] = "signup", ["Type"] = "Beacon" }));
        await AdminRig.EventuallyAsync(async () => (await ExperimentAsync())["goals"]!.AsArray().Count == 4, TimeSpan.FromSeconds(10), "the reload adds goal signup");
        var afterReload = await ExperimentAsync();
        Assert.Equal(1, Users(afterReload, "v2"));
        Assert.Equal(1, Converted(afterReload, "orders", "v2"));
        Assert.Equal(0, Converted(afterReload, "signup", "v2"));
    }

    [Fact]
    public async Task NewWeight_StartsNewExperiment_ChangeEventCarriesFinalFigures()
    {
        var user = Cohorts.FirstUserOn("v2", Weight);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/orders", user));

        using var change = await _rig.PutWeightAsync(30);
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        var report = await ExperimentAsync();
        Assert.Equal(30, (double)report["weight"]!);
        Assert.Equal(0, Users(report, "v2"));
        // The operator's change is the one entry: it carries the ended experiment's final figures and the new split.
        var events = await _rig.EventsAsync();
        var entry = events.Last()!;
        Assert.Equal("operator", (string)entry["actor"]!);
        Assert.Equal("weight", (string)entry["action"]!);
        Assert.Equal(1, (double)entry["figures"]!["experiment.end.orders.v2"]!);
        Assert.Equal(1, (double)entry["figures"]!["experiment.end.users.v2"]!);
        Assert.Equal(50, (double)entry["figures"]!["experiment.end.weight"]!);
        Assert.Equal(30, (double)entry["figures"]!["experiment.start.weight"]!);
    }

    [Fact]
    public async Task Metrics_UsersAndConversionsPerVersion()
    {
        var user = Cohorts.FirstUserOn("v1", Weight);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/orders", user));

        using var response = await _rig.Client.GetAsync(new Uri(_rig.Host.AdminAddress, "/metrics"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("canary_experiment_users{release=\"shop\",version=\"v1\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("canary_goal_conversions_total{release=\"shop\",version=\"v1\",goal=\"orders\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("canary_goal_conversions_total{release=\"shop\",version=\"v2\",goal=\"orders\"} 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guardrail_CanaryWorse_RolledBackByTheGuard()
    {
        await _rig.EditConfigAsync(release => release["Goals"] = new JsonArray(new JsonObject
        {
            ["Name"] = "orders", ["Type"] = "Request", ["Route"] = "api", ["Method"] = "POST", ["Path"] = "/api/orders", ["Guardrail"] = true,
        }));
        await _rig.RestartRouterAsync();

        // 3 in 5 stable users order, 1 in 10 canary users: far past the always-valid interval once 100 a side are in.
        for (var i = 0; i < 300; i++)
        {
            var user = "guard-" + i.ToString(CultureInfo.InvariantCulture);
            var version = (await _rig.GetAsync("/api/version", user)).CanaryVersion;
            if (version == "v1" ? i % 5 < 3 : i % 10 == 0)
            {
                Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, "/api/orders", user));
            }
        }

        await AdminRig.EventuallyAsync(async () => (string)(await _rig.ReleaseAsync())["phase"]! == "RolledBack", TimeSpan.FromSeconds(10), "the guardrail rolls v2 back");
        // The state is published before the decision log records it: wait for the event too.
        await AdminRig.EventuallyAsync(async () => (string?)(await _rig.EventsAsync()).Last()!["actor"] == "guard", TimeSpan.FromSeconds(10), "the guardrail's event");
        var rollback = (await _rig.EventsAsync()).Last()!;
        Assert.Equal("guard", (string)rollback["actor"]!);
        Assert.Equal("guardrail", (string)rollback["code"]!);
        Assert.True((double)rollback["figures"]!["orders.sequentialHigh"]! < 0, rollback.ToJsonString());
    }

    [Fact]
    public async Task Experiment_WithoutKey_401()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, AdminRig.ReleasePath + "/experiment", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static JsonArray Goals() =>
    [
        new JsonObject { ["Name"] = "orders", ["Type"] = "Request", ["Route"] = "api", ["Method"] = "POST", ["Path"] = "/api/orders", ["Status"] = "2xx" },
        new JsonObject { ["Name"] = "feedback", ["Type"] = "Beacon" },
        new JsonObject { ["Name"] = "score", ["Type"] = "Beacon", ["Value"] = true, ["Min"] = 1, ["Max"] = 5 },
    ];

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string user)
    {
        using var request = new HttpRequestMessage(method, new Uri(_rig.Host.PublicAddress, path));
        request.Headers.Add("X-User-Id", user);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        using var response = await _rig.Client.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> BeaconAsync(string goal, string? body, string? user = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_rig.Host.PublicAddress, "/canary/goals/" + goal));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (user is not null)
        {
            request.Headers.Add("X-User-Id", user);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", $"{RouterRig.AnonymousCookie}={cookie}");
        }

        return await _rig.Client.SendAsync(request);
    }

    private async Task<JsonObject> ExperimentAsync()
    {
        using var response = await _rig.SendAdminAsync(HttpMethod.Get, AdminRig.ReleasePath + "/experiment");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static long Users(JsonObject report, string version) =>
        (long)report["versions"]!.AsArray().Single(v => (string)v!["version"]! == version)!["users"]!;

    private static JsonObject Goal(JsonObject report, string goal) =>
        report["goals"]!.AsArray().Single(g => (string)g!["goal"]! == goal)!.AsObject();

    private static long Converted(JsonObject report, string goal, string version) =>
        (long)Goal(report, goal)[version == "v1" ? "stable" : "canary"]!["converted"]!;

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string why)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains(why, text, StringComparison.Ordinal);
    }
}

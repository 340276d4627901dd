using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.Admin;
using Canary.Router.FunctionalTests.Admin;
using Canary.Router.FunctionalTests.Guard;
using Canary.Router.Hosting;
using Microsoft.Extensions.Logging;

namespace Canary.Router.FunctionalTests.Notifications;

/// <summary>
/// Router.Notify against real webhook receivers: every wanted decision once, in the decision log's order, through a
/// receiver that fails twice; the Slack format; the metric; URLs never logged; and a target that does not answer never
/// holds a decision up.
/// </summary>
public sealed class NotificationTests : IAsyncLifetime, IDisposable
{
    private const string Key = "notify-operator-key";
    private const string Secret = "T0KEN-s3cr3t-in-url";
    private const string AuditPath = "/audit/" + Secret;
    private const string ChatPath = "/chat/" + Secret;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly string _folder = Directory.CreateTempSubdirectory("canary-notify-").FullName;
    private readonly HttpClient _client = RouterRig.NewClient();
    private readonly LogRecorder _logs = new();
    private TestBackend? _v1;
    private TestBackend? _v2;
    private WebhookReceiver? _receiver;
    private RouterHost? _host;

    private string ConfigPath => Path.Combine(_folder, "router.json");

    public async Task InitializeAsync()
    {
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        _v1 = await TestBackend.StartAsync("v1", "api");
        _v2 = await TestBackend.StartAsync("v2", "api");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await _v1!.DisposeAsync();
        await _v2!.DisposeAsync();
        TempFolder.DeleteQuietly(_folder);
    }

    public void Dispose()
    {
        _client.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task Decisions_ReceiverFailsTwice_EachWantedDecisionDeliveredOnceInOrder()
    {
        _receiver = await WebhookReceiver.StartAsync((AuditPath, 2));
        await StartRouterAsync(new JsonObject
        {
            ["Retries"] = 4,
            ["RetryDelayMs"] = 50,
            ["Targets"] = new JsonObject
            {
                ["audit"] = Target(AuditPath, "CloudEvents", "guard-rollback", "step", "promote", "switch", "reload-refused", "experiment-verdict"),
                ["chat"] = Target(ChatPath, "Slack", "promote", "reload-refused"),
            },
        });

        // The steps advance on their own (no hold, inconclusive counts as healthy): a step, then the promotion.
        await Poll.UntilAsync(() => ReleaseAsync("shop"), r => r.Text("phase") == "Promoted", Wait, "shop promoted", r => r.ToJsonString());
        using (var switched = await AdminAsync(HttpMethod.Post, "/admin/releases/blue/switch"))
        {
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        }

        await File.WriteAllTextAsync(ConfigPath, "{ \"Router\": { \"Releases\": 12 } }");
        await Poll.UntilAsync(EventsAsync, e => e.Any(x => x.Text("action") == "reload-refused"), Wait, "the reload refused");

        var events = await EventsAsync();
        var wanted = events.Where(e => e.Text("action") is "step" or "promote" or "switch" or "reload-refused").ToList();
        Assert.Equal(["step", "promote", "switch", "reload-refused"], wanted.Select(e => e.Text("action")));
        Assert.DoesNotContain(events, e => e.Text("actor") == "guard");

        var audit = await Poll.UntilAsync(() => Task.FromResult(_receiver.Accepted(AuditPath)), a => a.Count >= wanted.Count, Wait, "every decision delivered",
            a => string.Join(" | ", a.Select(c => c.Body)));
        var chat = await Poll.UntilAsync(() => Task.FromResult(_receiver.Accepted(ChatPath)), a => a.Count >= 2, Wait, "the chat's two decisions");

        // CloudEvents, structured mode, the log's entry as data: each wanted decision once, in the log's order.
        var delivered = audit.Select(c => JsonNode.Parse(c.Body)!.AsObject()).ToList();
        Assert.All(audit, c => Assert.StartsWith("application/cloudevents+json", c.ContentType, StringComparison.Ordinal));
        Assert.Equal(wanted.Select(e => e["sequence"]!.GetValue<long>()), delivered.Select(d => d["data"]!["sequence"]!.GetValue<long>()));
        Assert.Equal(wanted.Select(e => "dev.canary.decision." + e.Text("action")), delivered.Select(d => d.Text("type")));
        Assert.All(delivered, d => Assert.Equal("1.0", d.Text("specversion")));
        Assert.Equal(["/canary/releases/shop", "/canary/releases/shop", "/canary/releases/blue", "/canary/router"], delivered.Select(d => d.Text("source")));
        Assert.Equal(delivered.Count, delivered.Select(d => d.Text("id")).Distinct().Count());
        Assert.Equal("default", delivered[2]["data"]!.Text("key"));

        // The receiver's two failures were retried: two refused calls, then one accepted call per decision.
        var auditCalls = _receiver.Calls.Where(c => c.Path == AuditPath).ToList();
        Assert.Equal(wanted.Count + 2, auditCalls.Count);
        Assert.Equal([503, 503], auditCalls.Take(2).Select(c => c.Status));
        Assert.Equal(auditCalls[0].Body, auditCalls[2].Body);

        // Slack-compatible: {"text": ...}, only the decisions it asked for.
        Assert.Equal(2, chat.Count);
        var texts = chat.Select(c => JsonNode.Parse(c.Body)!.Text("text")).ToList();
        Assert.StartsWith("Canary shop: promote by steps", texts[0], StringComparison.Ordinal);
        Assert.StartsWith("Canary router: reload-refused by reload", texts[1], StringComparison.Ordinal);

        var scrape = PrometheusScrape.Parse(await _client.GetStringAsync(new Uri(_host!.AdminAddress, "/metrics")));
        Assert.Equal(wanted.Count, scrape.Sum("canary_notifications_total", ("target", "audit"), ("result", "delivered")));
        Assert.Equal(2, scrape.Sum("canary_notifications_total", ("target", "chat"), ("result", "delivered")));
        Assert.Equal(0, scrape.Sum("canary_notifications_total", ("result", "failed")) + scrape.Sum("canary_notifications_total", ("result", "dropped")));

        // The retries were logged (the resilience handler's events), and no line names the URL's secret.
        Assert.Contains(_logs.Lines, line => line.Contains("OnRetry", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TargetNeverAnswers_DecisionsGoOnAndWhatTheQueueCannotHoldIsDropped()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartRouterAsync(new JsonObject
        {
            ["Retries"] = 0,
            ["QueueLength"] = 1,
            ["Targets"] = new JsonObject { ["stuck"] = Target(AuditPath, "CloudEvents", "switch") },
        });

        // Four switches while the target holds the first: every one is answered; one is in flight, one queued, the rest dropped.
        for (var i = 0; i < 4; i++)
        {
            using var switched = await AdminAsync(HttpMethod.Post, "/admin/releases/blue/switch");
            Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        }

        Assert.Equal(4, (await EventsAsync()).Count(e => e.Text("action") == "switch"));
        var dropped = PrometheusScrape.Parse(await _client.GetStringAsync(new Uri(_host!.AdminAddress, "/metrics")))
            .Sum("canary_notifications_total", ("target", "stuck"), ("result", "dropped"));
        Assert.InRange(dropped, 2, 3);

        _receiver.Hold.SetResult();
        var scrape = await Poll.UntilAsync(async () => PrometheusScrape.Parse(await _client.GetStringAsync(new Uri(_host.AdminAddress, "/metrics"))),
            s => s.Sum("canary_notifications_total", ("target", "stuck"), ("result", "delivered")) == 4 - dropped, Wait, "the held ones delivered");
        Assert.Equal(4 - dropped, _receiver.Accepted(AuditPath).Count);
        Assert.Equal(dropped, scrape.Sum("canary_notifications_total", ("target", "stuck"), ("result", "dropped")));
    }

    private JsonObject Target(string path, string format, params string[] decisions) => new()
    {
        ["Url"] = new Uri(_receiver!.Address, path).ToString(),
        ["Format"] = format,
        ["Decisions"] = new JsonArray([.. decisions.Select(d => (JsonNode)d)]),
    };

    private async Task StartRouterAsync(JsonObject notify)
    {
        var api = AdminRig.Route("/api/{**rest}", ("v1", AdminRig.Url(_v1!)), ("v2", AdminRig.Url(_v2!)));
        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["Notify"] = notify,
                ["Releases"] = new JsonObject
                {
                    ["shop"] = new JsonObject
                    {
                        ["Stable"] = "v1",
                        ["Canary"] = "v2",
                        ["Steps"] = new JsonArray(Step(10), Step(50)),
                        ["OnInconclusive"] = "Advance",
                        ["Routes"] = new JsonObject { ["api"] = api },
                    },
                    ["blue"] = new JsonObject
                    {
                        ["Stable"] = "v1",
                        ["Canary"] = "v2",
                        ["Routes"] = new JsonObject { ["web"] = AdminRig.Route("/web/{**rest}", ("v1", AdminRig.Url(_v1!)), ("v2", AdminRig.Url(_v2!))) },
                    },
                },
            },
        };
        await File.WriteAllTextAsync(ConfigPath, config.ToJsonString());
        _host = await RouterHost.StartAsync(ConfigPath, new RouterHostOptions
        {
            AdminKey = new AdminKey(Key),
            Logging = logging => logging.AddProvider(_logs),
        });
    }

    private static JsonObject Step(double weight) => new() { ["Weight"] = weight, ["HoldSeconds"] = 0 };

    private async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri(_host!.AdminAddress, path))
        {
            Content = new StringContent("", Encoding.UTF8, "application/json"),
        };
        return await _client.SendAsync(request);
    }

    private async Task<JsonObject> ReleaseAsync(string name) =>
        JsonNode.Parse(await _client.GetStringAsync(new Uri(_host!.AdminAddress, "/admin/releases/" + name)))!.AsObject();

    /// <summary>Both releases' decision-log entries (router-wide ones appear in each), once each, in sequence order.</summary>
    private async Task<List<JsonObject>> EventsAsync()
    {
        var all = new List<JsonObject>();
        foreach (var release in new[] { "shop", "blue" })
        {
            all.AddRange(JsonNode.Parse(await _client.GetStringAsync(new Uri(_host!.AdminAddress, $"/admin/releases/{release}/events")))!.AsArray().Objects());
        }

        return [.. all.DistinctBy(e => e["sequence"]!.GetValue<long>()).OrderBy(e => e["sequence"]!.GetValue<long>())];
    }
}

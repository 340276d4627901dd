using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.Admin;
using Canary.Router.Hosting;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>Named admin keys with roles: viewers read, operators change, unknown keys get 401, and events name the key.</summary>
public sealed class NamedKeyTests : IAsyncLifetime, IDisposable
{
    private const string Single = "single-operator-key";
    private const string Ci = "ci-operator-key-7d1";
    private const string Viewer = "viewer-key-2b9";

    private readonly string _folder = Directory.CreateTempSubdirectory("canary-named-keys-").FullName;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private TestBackend? _v1;
    private TestBackend? _v2;
    private RouterHost? _host;

    private string KeysFile => Path.Combine(_folder, "keys.json");

    private string ConfigFile => Path.Combine(_folder, "router.json");

    public async Task InitializeAsync()
    {
        _v1 = await TestBackend.StartAsync("v1", "api");
        _v2 = await TestBackend.StartAsync("v2", "api");
        var config = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = "http://127.0.0.1:0",
                ["AdminUrls"] = "http://127.0.0.1:0",
                ["Releases"] = new JsonObject
                {
                    ["shop"] = new JsonObject
                    {
                        ["Stable"] = "v1",
                        ["Canary"] = "v2",
                        ["Weight"] = 10,
                        ["Routes"] = new JsonObject { ["api"] = AdminRig.Route("/api/{**rest}", ("v1", AdminRig.Url(_v1)), ("v2", AdminRig.Url(_v2))) },
                    },
                },
            },
        };
        await File.WriteAllTextAsync(ConfigFile, config.ToJsonString());
        await File.WriteAllTextAsync(KeysFile, $$"""
            [ { "name": "ci", "role": "operator", "key": "{{Ci}}" }, { "name": "oncall", "role": "viewer", "key": "{{Viewer}}" } ]
            """);
        _host = await RouterHost.StartAsync(ConfigFile, new RouterHostOptions { AdminKey = AdminKey.Load(Single, KeysFile) });
    }

    public void Dispose() => _client.Dispose();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _v1!.DisposeAsync();
        await _v2!.DisposeAsync();
        TempFolder.DeleteQuietly(_folder);
    }

    [Fact]
    public async Task ViewerKey_ReadsButWritesGet403AndNothingChanges()
    {
        using var read = await SendAsync(HttpMethod.Get, "/admin/releases/shop", Viewer);
        using var events = await SendAsync(HttpMethod.Get, "/admin/releases/shop/events", Viewer);
        var before = await events.Content.ReadAsStringAsync();

        foreach (var (method, path, body) in Writes())
        {
            using var write = await SendAsync(method, path, Viewer, body);
            var problem = await Problems.AssertAsync(write, HttpStatusCode.Forbidden);
            Assert.Contains("'oncall' has the viewer role", (string?)problem["detail"], StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var after = await SendAsync(HttpMethod.Get, "/admin/releases/shop/events", Viewer);
        Assert.Equal(before, await after.Content.ReadAsStringAsync());
        using var state = await SendAsync(HttpMethod.Get, "/admin/releases/shop", Viewer);
        Assert.Equal(10, (double)JsonNode.Parse(await state.Content.ReadAsStringAsync())!["weight"]!);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData(Ci + "x")]
    [InlineData("ci")]
    public async Task UnknownKey_401OnReadsAndWrites(string key)
    {
        using var read = await SendAsync(HttpMethod.Get, "/admin/releases/shop", key);
        using var write = await SendAsync(HttpMethod.Post, "/admin/releases/shop/rollback", key);

        await Problems.AssertAsync(read, HttpStatusCode.Unauthorized);
        await Problems.AssertAsync(write, HttpStatusCode.Unauthorized);
        Assert.Contains(write.Headers.WwwAuthenticate, c => c.Scheme == "Bearer");
    }

    [Fact]
    public async Task OperatorKeys_ChangeAndTheEventsNameTheKey()
    {
        using var byCi = await SendAsync(HttpMethod.Put, "/admin/releases/shop/weight", Ci, "{\"weight\": 20}");
        using var bySingle = await SendAsync(HttpMethod.Post, "/admin/releases/shop/pause", Single);
        using var events = await SendAsync(HttpMethod.Get, "/admin/releases/shop/events", Viewer);

        Assert.Equal(HttpStatusCode.OK, byCi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySingle.StatusCode);
        // The start's own event (the release written at once) names no key; the operators' changes name theirs.
        var log = JsonNode.Parse(await events.Content.ReadAsStringAsync())!.AsArray()
            .Where(e => (string?)e!["actor"] == "operator").ToList();
        Assert.Equal([("weight", "ci"), ("pause", "default")],
            log.Select(e => ((string)e!["action"]!, (string?)e["key"])));
        var file = await File.ReadAllTextAsync(Path.Combine(_folder, "router.state.json.events.jsonl"));
        Assert.Contains("\"key\":\"ci\"", file, StringComparison.Ordinal);
        Assert.DoesNotContain(Ci, file, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouterProcess_BadKeysFile_ExitsWithEveryProblemListed()
    {
        await File.WriteAllTextAsync(KeysFile, """[ { "name": "ci", "role": "root", "key": "x" }, { "name": "ci", "role": "viewer" } ]""");
        var (exitCode, output) = await RouterProcess.RunToExitAsync(ConfigFile, new Dictionary<string, string?>
        {
            [AdminKey.FileEnvironmentVariable] = KeysFile,
            [AdminKey.EnvironmentVariable] = null,
        });

        Assert.Equal(1, exitCode);
        var text = output;
        Assert.Contains("has 2 problem(s)", text, StringComparison.Ordinal);
        Assert.Contains("[0].role = \"root\": must be viewer or operator", text, StringComparison.Ordinal);
        Assert.Contains("[1].key: is required", text, StringComparison.Ordinal);
    }

    private static IEnumerable<(HttpMethod, string, string?)> Writes() =>
    [
        (HttpMethod.Put, "/admin/releases/shop/weight", "{\"weight\": 50}"),
        (HttpMethod.Post, "/admin/releases/shop/promote", null),
        (HttpMethod.Post, "/admin/releases/shop/rollback", null),
        (HttpMethod.Post, "/admin/releases/shop/pause", null),
        (HttpMethod.Post, "/admin/releases/shop/switch", null),
        (HttpMethod.Post, "/admin/releases/shop/drain", "{\"route\": \"api\", \"destination\": \"http://127.0.0.1:1\"}"),
    ];

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_host!.AdminAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (method != HttpMethod.Get)
        {
            request.Content = new StringContent(body ?? "", Encoding.UTF8, "application/json");
        }

        return await _client.SendAsync(request);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Xunit.Abstractions;

namespace Canary.Router.FunctionalTests.Hosting;

/// <summary>
/// The chaos suite, bounded in count (120 operations, 3 SIGKILLs) and so in time (about 30 s on a quiet machine): the published router as a real process, under
/// steady load from random users, while an operator changes weights, router.json is reloaded (valid and invalid,
/// written in place and swapped as a ConfigMap's <c>..data</c> symlink), the canary is changed by a reload, releases
/// are rolled back and promoted, a backend is stopped and started again, and the router is killed with SIGKILL in the
/// middle of admin writes and started again. Asserted: no failed request while the router runs, no acknowledged change
/// lost across the kills, revisions strictly growing, the decision log in order.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const string Key = "chaos-admin-key";
    private const int Operations = 120;

    [Fact]
    public async Task Chaos_UnderLoad_NoFailedRequestNoLostChangeRevisionsGrowLogInOrder()
    {
        var samples = await SampleApiProcess.StartManyAsync(("v1", null), ("v2", null), ("v3", null));
        var folder = Directory.CreateTempSubdirectory("canary-chaos-").FullName;
        await using var router = new RouterProcess(folder, Key);
        var random = new Random(20261201);
        var config = new ConfigMapFolder(folder);
        try
        {
            var canary = "v2";
            var fileWeight = 10.0;
            config.Swap(Config(router, samples, canary, fileWeight));
            await router.StartAsync();
            using var load = new Load(router.PublicAddress, () => router.Up);
            var acknowledged = new List<(long Revision, JsonObject State)>();
            var kills = 0;

            for (var op = 0; op < Operations; op++)
            {
                switch (op % 20)
                {
                    case 5:
                        // A valid reload, swapped in as a ConfigMap update; or an invalid one (nothing changes).
                        fileWeight = random.Next(0, 100);
                        config.Swap(op % 40 == 5 ? Config(router, samples, canary, fileWeight) : "{ \"Router\": { \"Releases\": ");
                        break;
                    case 9:
                        // Written in place (through the symlink), as an editor would.
                        fileWeight = random.Next(0, 100);
                        config.WriteInPlace(Config(router, samples, canary, fileWeight));
                        break;
                    case 11:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, "rollback"));
                        break;
                    case 12:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, "resume"));
                        break;
                    case 13 when op == 53:
                        // A new canary by reload: the release starts over on v3.
                        canary = "v3";
                        config.Swap(Config(router, samples, canary, fileWeight));
                        break;
                    case 14 when op == 74:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, "promote"));
                        canary = canary == "v2" ? "v3" : "v2";
                        config.Swap(Config(router, samples, canary, fileWeight, stable: "v1"));
                        break;
                    case 15 when op == 35:
                        await samples[0].StopAsync();
                        await samples[0].StartAgainAsync("v1-again");
                        break;
                    case 17 when op % 40 == 17:
                        // SIGKILL with admin writes in flight; only the answered ones were acknowledged.
                        var inFlight = Enumerable.Range(0, 3).Select(_ => router.AdminAsync(HttpMethod.Put, "weight", $"{{\"weight\": {random.Next(1, 100)}}}")).ToList();
                        await Task.Delay(random.Next(0, 20));
                        router.Kill();
                        var first = acknowledged.Count;
                        foreach (var write in inFlight)
                        {
                            if (await Answered(write) is { } answered)
                            {
                                await Acknowledge(acknowledged, answered);
                            }
                        }

                        // Concurrent writes have no order of their own on the client: the router's is their revisions'.
                        acknowledged.Sort(first, acknowledged.Count - first, Comparer<(long Revision, JsonObject State)>.Create((a, b) => a.Revision.CompareTo(b.Revision)));

                        kills++;
                        await router.StartAsync();
                        var restarted = await router.ReleaseAsync();
                        var last = acknowledged.Count == 0 ? null : acknowledged[^1].State;
                        if (last is not null)
                        {
                            Assert.True((long)restarted["revision"]! >= (long)last["revision"]!, $"revision went back across a kill: {restarted} after {last}");
                            if ((long)restarted["revision"]! == (long)last["revision"]!)
                            {
                                Assert.Equal((double)last["weight"]!, (double)restarted["weight"]!);
                                Assert.Equal((string?)last["phase"], (string?)restarted["phase"]);
                            }
                        }

                        break;
                    default:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Put, "weight", $"{{\"weight\": {random.Next(0, 101)}}}"));
                        break;
                }

                await Task.Delay(random.Next(30, 150));
            }

            var (requests, failures) = await load.StopAsync();
            var events = await router.EventsAsync();
            output.WriteLine($"{Operations} operations, {acknowledged.Count} acknowledged changes, {kills} SIGKILLs, {requests} requests, {failures.Count} failed, {events.Count} events");
            Assert.True(requests > 500, $"too little load to judge: {requests} requests");
            Assert.True(failures.IsEmpty, "failed requests while the router ran: " + string.Join("; ", failures.Take(10)));

            // Revisions acknowledged to the operator strictly grow, across the kills.
            var revisions = acknowledged.Select(a => a.Revision).ToList();
            Assert.Equal(revisions.Distinct().Order(), revisions);

            // The decision log: sequences in order, the release's revisions strictly growing.
            var sequences = events.Select(e => (long)e!["sequence"]!).ToList();
            Assert.Equal(sequences.Distinct().Order(), sequences);
            var logged = events.Where(e => (string?)e!["release"] == RouterProcess.Release && e!["after"] is not null).Select(e => (long)e!["after"]!["revision"]!).ToList();
            Assert.Equal(logged.Distinct().Order(), logged);

            // Every acknowledged change is in the log (none lost to a kill).
            Assert.Empty(revisions.Except(logged));
        }
        finally
        {
            foreach (var sample in samples)
            {
                await sample.DisposeAsync();
            }

            await router.DisposeAsync();
            TempFolder.DeleteQuietly(folder);
        }
    }

    private static async Task Acknowledge(List<(long Revision, JsonObject State)> acknowledged, HttpResponseMessage response)
    {
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var state = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                acknowledged.Add(((long)state["revision"]!, state));
            }
            else
            {
                // Refusals (a phase that does not allow it) are fine; anything else is the router's fault.
                Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"admin write answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    private static async Task<HttpResponseMessage?> Answered(Task<HttpResponseMessage> write)
    {
        try
        {
            return await write;
        }
        catch (HttpRequestException)
        {
            return null; // Killed before it answered: not acknowledged.
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static string Config(RouterProcess router, SampleApiProcess[] samples, string canary, double weight, string stable = "v1") =>
        new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = router.PublicAddress.ToString().TrimEnd('/'),
                ["AdminUrls"] = router.AdminAddress.ToString().TrimEnd('/'),
                ["StateFile"] = Path.Combine(router.Folder, "state", "router.state.json"),
                ["Releases"] = new JsonObject
                {
                    [RouterProcess.Release] = new JsonObject
                    {
                        ["Stable"] = stable,
                        ["Canary"] = canary,
                        ["Weight"] = weight,
                        ["UserKey"] = new JsonArray("header:X-User-Id"),
                        // The stable backend is restarted in place (op 35): its users' GETs wait for it, since a
                        // refused stable is never retried on the canary.
                        ["Outage"] = new JsonObject { ["HoldSeconds"] = 10 },
                        ["Routes"] = new JsonObject
                        {
                            ["api"] = new JsonObject
                            {
                                ["Path"] = "/api/{**rest}",
                                ["Versions"] = new JsonObject
                                {
                                    [stable] = new JsonArray(samples.Single(s => s.Version == stable).Address),
                                    [canary] = new JsonArray(samples.Single(s => s.Version == canary).Address),
                                },
                            },
                        },
                    },
                },
            },
        }.ToJsonString();

    /// <summary>router.json as a kubelet lays out a ConfigMap: router.json -> ..data/router.json, ..data -> ..N.</summary>
    private sealed class ConfigMapFolder(string folder)
    {
        private int _generation;

        public string ConfigPath => Path.Combine(folder, "router.json");

        public void Swap(string json)
        {
            var next = Directory.CreateDirectory(Path.Combine(folder, $"..gen{++_generation}")).FullName;
            File.WriteAllText(Path.Combine(next, "router.json"), json);
            var temporary = Path.Combine(folder, "..data_tmp");
            File.CreateSymbolicLink(temporary, Path.GetFileName(next));
            using (var mv = Process.Start(new ProcessStartInfo("mv", ["-T", temporary, Path.Combine(folder, "..data")]) { UseShellExecute = false })!)
            {
                mv.WaitForExit();
                Assert.Equal(0, mv.ExitCode);
            }

            if (!File.Exists(ConfigPath))
            {
                File.CreateSymbolicLink(ConfigPath, Path.Combine("..data", "router.json"));
            }
        }

        public void WriteInPlace(string json) => File.WriteAllText(ConfigPath, json);
    }

    /// <summary>Random users sending GET /api/version while the router is up; a failure is a 5xx or no answer.</summary>
    private sealed class Load : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(10) };
        private readonly ConcurrentQueue<string> _failures = new();
        private readonly List<Task> _loops;
        private long _requests;

        public Load(Uri address, Func<bool> up)
        {
            _loops = [.. Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                var random = new Random(i);
                while (!_stop.IsCancellationRequested)
                {
                    if (!up())
                    {
                        await Task.Delay(10);
                        continue;
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/api/version"));
                    request.Headers.Add("X-User-Id", "user-" + random.Next(100_000).ToString(CultureInfo.InvariantCulture));
                    try
                    {
                        using var response = await _client.SendAsync(request, _stop.Token);
                        if ((int)response.StatusCode >= 500 && up())
                        {
                            _failures.Enqueue($"{(int)response.StatusCode} from {response.Headers.GetValues("X-Canary-Version").FirstOrDefault()}");
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !_stop.IsCancellationRequested)
                    {
                        // A request cut by the SIGKILL is the kill's, not the router's.
                        if (up())
                        {
                            await Task.Delay(100);
                            if (up())
                            {
                                _failures.Enqueue(e.GetType().Name + ": " + e.Message);
                            }
                        }
                    }

                    Interlocked.Increment(ref _requests);
                }
            }))];
        }

        public async Task<(long Requests, ConcurrentQueue<string> Failures)> StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_loops);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            return (Interlocked.Read(ref _requests), _failures);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _client.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// The published router as a child process: <c>dotnet Canary.Router.dll --config router.json</c> with the admin
    /// key from the environment, on ports chosen once so clients keep their address across restarts.
    /// </summary>
    private sealed class RouterProcess(string folder, string key) : IAsyncDisposable
    {
        public const string Release = "shop";
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
        private readonly ConcurrentQueue<string> _output = new();
        private Process? _process;
        private volatile bool _up;

        public string Folder { get; } = folder;

        public Uri PublicAddress { get; } = new($"http://127.0.0.1:{FreePort()}/");

        public Uri AdminAddress { get; } = new($"http://127.0.0.1:{FreePort()}/");

        public bool Up => _up;

        public async Task StartAsync()
        {
            _process?.Dispose();
            var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Dll(), "--config", Path.Combine(Folder, "router.json") })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["CANARY_ADMIN_KEY"] = key;
            start.Environment["Logging__LogLevel__Default"] = "Warning";
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
            _process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                Assert.False(_process.HasExited, $"the router exited with {(_process.HasExited ? _process.ExitCode : 0)}: {string.Join('\n', _output)}");
                try
                {
                    using var health = await Http.GetAsync(new Uri(AdminAddress, "/healthz"));
                    using var proxied = await Http.GetAsync(new Uri(PublicAddress, "/api/version"));
                    if (health.IsSuccessStatusCode && proxied.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                Assert.True(DateTime.UtcNow < deadline, "the router did not start within 30 s: " + string.Join('\n', _output));
                await Task.Delay(50);
            }

            _up = true;
        }

        public void Kill()
        {
            _up = false;
            _process!.Kill();
            _process.WaitForExit();
        }

        public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string action, string? json = null)
        {
            var request = new HttpRequestMessage(method, new Uri(AdminAddress, $"/admin/releases/{Release}/{action}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            return Http.SendAsync(request);
        }

        public async Task<JsonObject> ReleaseAsync() => await GetAsync($"/admin/releases/{Release}") as JsonObject ?? throw new InvalidOperationException("no release");

        public async Task<JsonArray> EventsAsync() => (await GetAsync($"/admin/releases/{Release}/events")).AsArray();

        public async ValueTask DisposeAsync()
        {
            if (_process is { HasExited: false })
            {
                Kill();
            }

            _process?.Dispose();
            _process = null;
            await Task.CompletedTask;
        }

        private async Task<JsonNode> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(AdminAddress, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        // src/Router/bin/CONFIGURATION/TFM/Canary.Router.dll beside Canary.sln: the router as built, run as published.
        private static string Dll()
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Canary.sln")))
            {
                root = root.Parent;
            }

            var configuration = typeof(RouterProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
            return Path.Combine(root!.FullName, "src", "Router", "bin", configuration, framework, "Canary.Router.dll");
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

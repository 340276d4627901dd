using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
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
    private const string Release = "shop";
    private const int Operations = 120;

    [Fact]
    public async Task Chaos_UnderLoad_NoFailedRequestNoLostChangeRevisionsGrowLogInOrder()
    {
        var samples = await SampleProcess.StartApisAsync(("v1", null), ("v2", null), ("v3", null));
        var folder = Directory.CreateTempSubdirectory("canary-chaos-").FullName;
        await using var router = new RouterProcess(folder, Key);
        var random = new Random(20261201);
        var config = new ConfigMapFolder(folder);
        try
        {
            var canary = "v2";
            var fileWeight = 10.0;
            config.Swap(Config(router, samples, canary, fileWeight));
            await router.StartAsync("/api/version");
            var operation = "start";
            using var load = new Load(router.PublicAddress, () => router.IsRunning, () => operation);
            var acknowledged = new List<(long Revision, JsonObject State)>();
            var kills = 0;

            for (var op = 0; op < Operations; op++)
            {
                operation = op.ToString(CultureInfo.InvariantCulture);
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
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, Action("rollback")));
                        break;
                    case 12:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, Action("resume")));
                        break;
                    case 13 when op == 53:
                        // A new canary by reload: the release starts over on v3.
                        canary = "v3";
                        config.Swap(Config(router, samples, canary, fileWeight));
                        break;
                    case 14 when op == 74:
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Post, Action("promote")));
                        canary = canary == "v2" ? "v3" : "v2";
                        config.Swap(Config(router, samples, canary, fileWeight, stable: "v1"));
                        break;
                    case 15 when op == 35:
                        var restart = Stopwatch.StartNew();
                        await samples[0].StopAsync();
                        await samples[0].StartAgainAsync("v1-again");
                        output.WriteLine($"operation {op}: stable's backend stopped and started again in {restart.ElapsedMilliseconds} ms (the outage hold is 10 s)");
                        break;
                    case 17 when op % 40 == 17:
                        // SIGKILL with admin writes in flight; only the answered ones were acknowledged.
                        var inFlight = Enumerable.Range(0, 3).Select(_ => router.AdminAsync(HttpMethod.Put, Action("weight"), $"{{\"weight\": {random.Next(1, 100)}}}")).ToList();
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
                        await router.StartAsync("/api/version");
                        var restarted = (JsonObject)await router.AdminJsonAsync($"/admin/releases/{Release}");
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
                        await Acknowledge(acknowledged, await router.AdminAsync(HttpMethod.Put, Action("weight"), $"{{\"weight\": {random.Next(0, 101)}}}"));
                        break;
                }

                await Task.Delay(random.Next(30, 150));
            }

            var (requests, failures) = await load.StopAsync();
            var events = (await router.AdminJsonAsync($"/admin/releases/{Release}/events")).AsArray();
            output.WriteLine($"{Operations} operations, {acknowledged.Count} acknowledged changes, {kills} SIGKILLs, {requests} requests, {failures.Count} failed, {events.Count} events");
            Assert.True(requests > 500, $"too little load to judge: {requests} requests");
            Assert.True(failures.IsEmpty, "failed requests while the router ran: " + string.Join("; ", failures.Take(10)));

            // Revisions acknowledged to the operator strictly grow, across the kills.
            var revisions = acknowledged.Select(a => a.Revision).ToList();
            Assert.Equal(revisions.Distinct().Order(), revisions);

            // The decision log: sequences in order, the release's revisions strictly growing.
            var sequences = events.Select(e => (long)e!["sequence"]!).ToList();
            Assert.Equal(sequences.Distinct().Order(), sequences);
            var logged = events.Where(e => (string?)e!["release"] == Release && e!["after"] is not null).Select(e => (long)e!["after"]!["revision"]!).ToList();
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

    private static string Action(string action) => $"/admin/releases/{Release}/{action}";

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

    private static string Config(RouterProcess router, SampleProcess[] samples, string canary, double weight, string stable = "v1") =>
        new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["PublicUrls"] = router.Urls.PublicUrls,
                ["AdminUrls"] = router.Urls.AdminUrls,
                ["StateFile"] = Path.Combine(router.Folder, "state", "router.state.json"),
                ["Releases"] = new JsonObject
                {
                    [Release] = new JsonObject
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
                                    [stable] = new JsonArray(samples.Single(s => s.Version == stable).Destination),
                                    [canary] = new JsonArray(samples.Single(s => s.Version == canary).Destination),
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
        // Longer than the outage hold (10 s, Config): a GET held while stable's backend restarts is waiting by design,
        // and if the hold runs out the router's 503 is the failure to report, not the client giving up first.
        private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

        private readonly CancellationTokenSource _stop = new();
        private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = TimeSpan.FromSeconds(2) }) { Timeout = ClientTimeout };
        private readonly ConcurrentQueue<string> _failures = new();
        private readonly List<Task> _loops;
        private long _requests;

        /// <param name="operation">The operation under way, named in a failure (with how long the request took).</param>
        public Load(Uri address, Func<bool> up, Func<string> operation)
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
                    var started = Stopwatch.GetTimestamp();
                    var during = operation();
                    string When() => $" (sent during operation {during}, failed during {operation()} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms)";
                    try
                    {
                        using var response = await _client.SendAsync(request, _stop.Token);
                        if ((int)response.StatusCode >= 500 && up())
                        {
                            _failures.Enqueue($"{(int)response.StatusCode} from {response.Headers.GetValues("X-Canary-Version").FirstOrDefault()}{When()}");
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
                                _failures.Enqueue(e.GetType().Name + ": " + e.Message + When());
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
}

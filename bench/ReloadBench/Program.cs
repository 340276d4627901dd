using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

// Start and reload time of the real router process against the number of releases (one route each).
//   start  = process launched -> GET /healthz answers on the admin port
//   reload = router.json rewritten with one release's weight changed (temporary file renamed into place)
//            -> GET /admin/releases/{that release} shows the new weight
// Each count runs ROUNDS times (a fresh process and folder each); the table gives medians, and ratios measured in the
// same run, since this machine is shared and noisy: to the smallest count (how it grows), and with --baseline to
// another build of the router run in the same rounds, alternately (before/after a change).
// Usage: Canary.Bench.Reload --router PATH/Canary.Router.dll [--baseline PATH/Canary.Router.dll] [--counts 10,100,1000]
//        [--rounds 3] [--reloads 5] [--out FILE]
var map = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    map[args[i].TrimStart('-')] = args[i + 1];
}

var router = Path.GetFullPath(map.GetValueOrDefault("router", "src/Router/bin/Release/net10.0/Canary.Router.dll"));
if (!File.Exists(router))
{
    Console.Error.WriteLine($"router not found: {router} (build it, or pass --router PATH/Canary.Router.dll)");
    return 2;
}

var baseline = map.GetValueOrDefault("baseline") is { } baselinePath ? Path.GetFullPath(baselinePath) : null;
var counts = map.GetValueOrDefault("counts", "10,100,1000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var rounds = int.Parse(map.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);
var reloads = int.Parse(map.GetValueOrDefault("reloads", "5"), CultureInfo.InvariantCulture);
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
string[] routers = baseline is null ? [router] : [baseline, router];
var results = new List<(string Router, int Count, double StartMs, double ReloadMs)>();
foreach (var count in counts)
{
    for (var round = 0; round < rounds; round++)
    {
        // Alternate which build goes first, so neither always meets the machine in the same state.
        foreach (var which in round % 2 == 0 ? routers : routers.Reverse())
        {
            var (start, reload) = await Measure(http, which, count, reloads);
            results.Add((which, count, start, reload));
            Console.Error.WriteLine($"{(which == baseline ? "baseline" : "router")}: {count} releases, round {round + 1}: start {start:F0} ms, reload {reload:F0} ms (median of {reloads})");
        }
    }
}

double Of(string which, int count, Func<(string Router, int Count, double StartMs, double ReloadMs), double> figure) =>
    Median(results.Where(r => r.Router == which && r.Count == count).Select(figure));

var table = new StringBuilder();
if (baseline is null)
{
    table.AppendLine("| releases | start (ms, median) | start / smallest | reload (ms, median) | reload / smallest |");
    table.AppendLine("|---:|---:|---:|---:|---:|");
}
else
{
    table.AppendLine("| releases | start before (ms) | start after (ms) | after / before | reload before (ms) | reload after (ms) | after / before | after: start / smallest | after: reload / smallest |");
    table.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

foreach (var count in counts)
{
    var start = Of(router, count, r => r.StartMs);
    var reload = Of(router, count, r => r.ReloadMs);
    var growth = $"{start / Of(router, counts[0], r => r.StartMs):F2} | {reload / Of(router, counts[0], r => r.ReloadMs):F2}";
    if (baseline is null)
    {
        table.AppendLine(CultureInfo.InvariantCulture, $"| {count} | {start:F0} | {start / Of(router, counts[0], r => r.StartMs):F2} | {reload:F0} | {reload / Of(router, counts[0], r => r.ReloadMs):F2} |");
    }
    else
    {
        var (baseStart, baseReload) = (Of(baseline, count, r => r.StartMs), Of(baseline, count, r => r.ReloadMs));
        table.AppendLine(CultureInfo.InvariantCulture, $"| {count} | {baseStart:F0} | {start:F0} | {start / baseStart:F2} | {baseReload:F0} | {reload:F0} | {reload / baseReload:F2} | {growth} |");
    }
}

Console.Write(table);
if (map.GetValueOrDefault("out") is { } outFile)
{
    File.WriteAllText(outFile, table.ToString());
}

return 0;

static async Task<(double StartMs, double ReloadMs)> Measure(HttpClient http, string router, int count, int reloads)
{
    var folder = Directory.CreateTempSubdirectory("canary-reload-bench-").FullName;
    var config = Path.Combine(folder, "router.json");
    var (publicPort, adminPort) = (FreePort(), FreePort());
    var edited = $"r{count / 2:D5}";
    File.WriteAllText(config, Config(count, publicPort, adminPort, edited, 10));
    var info = new ProcessStartInfo("dotnet", [router, "--config", config])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    info.Environment["Logging__LogLevel__Default"] = "Warning";
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(info)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    try
    {
        var admin = new Uri($"http://127.0.0.1:{adminPort}");
        await Until(clock, TimeSpan.FromSeconds(60), async () => (await Get(http, new Uri(admin, "/healthz"))) is not null);
        var startMs = clock.Elapsed.TotalMilliseconds;

        var times = new List<double>();
        for (var i = 0; i < reloads; i++)
        {
            var weight = 20 + i;
            var temporary = config + ".new";
            File.WriteAllText(temporary, Config(count, publicPort, adminPort, edited, weight));
            var edit = Stopwatch.StartNew();
            File.Move(temporary, config, overwrite: true);
            await Until(edit, TimeSpan.FromSeconds(180), async () =>
                await Get(http, new Uri(admin, $"/admin/releases/{edited}")) is { } body
                && JsonDocument.Parse(body).RootElement.GetProperty("weight").GetDouble() == weight);
            times.Add(edit.Elapsed.TotalMilliseconds);
        }

        return (startMs, Median(times));
    }
    finally
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Directory.Delete(folder, recursive: true);
    }
}

static async Task Until(Stopwatch clock, TimeSpan limit, Func<Task<bool>> condition)
{
    while (!await condition())
    {
        if (clock.Elapsed > limit)
        {
            throw new TimeoutException($"not reached within {limit}");
        }

        await Task.Delay(5);
    }
}

static async Task<string?> Get(HttpClient http, Uri uri)
{
    try
    {
        using var response = await http.GetAsync(uri);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        // Not listening yet, or too busy to answer within the timeout: ask again.
        return null;
    }
}

// Releases r00000..: stable v1, canary v2 at 10% (the edited one at `weight`), one route each; the backends need not
// exist, since neither a start nor a reload connects to them.
static string Config(int count, int publicPort, int adminPort, string edited, double weight)
{
    var releases = new Dictionary<string, object>(StringComparer.Ordinal);
    for (var i = 0; i < count; i++)
    {
        var name = $"r{i:D5}";
        releases[name] = new Dictionary<string, object>
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = name == edited ? weight : 10,
            ["UserKey"] = new[] { "header:X-User-Id" },
            ["Routes"] = new Dictionary<string, object>
            {
                ["api"] = new Dictionary<string, object>
                {
                    ["Path"] = $"/{name}/{{**rest}}",
                    ["Versions"] = new Dictionary<string, object> { ["v1"] = new[] { "http://127.0.0.1:5001" }, ["v2"] = new[] { "http://127.0.0.1:5002" } },
                },
            },
        };
    }

    return JsonSerializer.Serialize(new
    {
        Router = new
        {
            PublicUrls = $"http://127.0.0.1:{publicPort}",
            AdminUrls = $"http://127.0.0.1:{adminPort}",
            StateFile = "router.state.json",
            Releases = releases,
        },
    });
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

// The guard reaction bench's load driver. It sends GET /api/... with a random X-User-Id at a fixed rate through the
// router, flips the canary backend to 100% errors after a healthy period, keeps the load on, and then reports:
//   reaction  = canary backend's first failing response -> the last request the canary backend received
//   failed    = 5xx responses the users (this driver) saw
//   needed    = failures the guard's thresholds need before a verdict can be a breach, given the canary
//               successes already in its window at the flip (the floor of the blast radius)
// Times are Stopwatch ticks: the monotonic clock, comparable with the backend's on Linux.
// Usage: Canary.Bench.Guard --router URL --admin URL --canary-backend URL --rate N [--healthy S] [--after S]
//        [--concurrency N] [--window S] [--min-requests N] [--max-error-rate X] [--out FILE]
var options = Options.Parse(args);
using var driver = new Driver(options);
return await driver.RunAsync();

internal sealed record Options(Uri Router, Uri Admin, Uri CanaryBackend, double Rate, double HealthySeconds, double AfterSeconds,
    int Concurrency, int WindowSeconds, int MinRequests, double MaxErrorRate, string? Out)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string key, string fallback) => map.GetValueOrDefault(key, fallback);
        var rate = double.Parse(Get("rate", "200"), CultureInfo.InvariantCulture);
        return new Options(
            new Uri(Get("router", "http://127.0.0.1:8095")),
            new Uri(Get("admin", "http://127.0.0.1:8195")),
            new Uri(Get("canary-backend", "http://127.0.0.1:5112")),
            rate,
            double.Parse(Get("healthy", "3"), CultureInfo.InvariantCulture),
            double.Parse(Get("after", "3"), CultureInfo.InvariantCulture),
            int.Parse(Get("concurrency", Math.Clamp((int)(rate / 50), 4, 64).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            int.Parse(Get("window", "5"), CultureInfo.InvariantCulture),
            int.Parse(Get("min-requests", "10"), CultureInfo.InvariantCulture),
            double.Parse(Get("max-error-rate", "0.05"), CultureInfo.InvariantCulture),
            map.GetValueOrDefault("out"));
    }
}

internal readonly record struct Outcome(long At, int Status, bool Canary);

internal sealed class Driver(Options options) : IDisposable
{
    private static readonly double TicksPerSecond = Stopwatch.Frequency;
    private readonly List<Outcome>[] _outcomes = new List<Outcome>[options.Concurrency];
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseCookies = false,
        MaxConnectionsPerServer = options.Concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    private long _sequence = -1;
    private long _transportErrors;

    public async Task<int> RunAsync()
    {
        // The admin host's first scrape is slow (JIT): done before the clock starts.
        _ = await _client.GetStringAsync(new Uri(options.Admin, "/metrics"));
        var start = Stopwatch.GetTimestamp();
        var flipAt = start + (long)(options.HealthySeconds * TicksPerSecond);
        var end = flipAt + (long)(options.AfterSeconds * TicksPerSecond);
        var loops = Enumerable.Range(0, options.Concurrency).Select(i => Task.Run(() => LoopAsync(i, start, end))).ToArray();

        await DelayUntil(flipAt);
        var flipSent = Stopwatch.GetTimestamp();
        using (var flip = await _client.PutAsync(new Uri(options.CanaryBackend, "/faults?errorRate=1"), null))
        {
            flip.EnsureSuccessStatusCode();
        }

        var rollbackSeen = await PollRollbackAsync(end);
        await Task.WhenAll(loops);
        var backend = await GetJsonAsync(new Uri(options.CanaryBackend, "/stats"));
        Report(start, flipSent, rollbackSeen, end, backend);
        return 0;
    }

    public void Dispose() => _client.Dispose();

    private async Task LoopAsync(int index, long start, long end)
    {
        var outcomes = _outcomes[index] = new List<Outcome>(capacity: 4096);
        while (true)
        {
            var due = start + (long)(Interlocked.Increment(ref _sequence) / options.Rate * TicksPerSecond);
            if (due >= end)
            {
                return;
            }

            await DelayUntil(due);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Router, "/api/orders"));
            request.Headers.Add("X-User-Id", "user-" + Random.Shared.Next().ToString(CultureInfo.InvariantCulture));
            try
            {
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                var canary = response.Headers.TryGetValues("X-Canary-Version", out var versions) && versions.FirstOrDefault() == "v2";
                outcomes.Add(new Outcome(Stopwatch.GetTimestamp(), (int)response.StatusCode, canary));
            }
            catch (HttpRequestException e)
            {
                if (Interlocked.Increment(ref _transportErrors) == 1)
                {
                    Console.Error.WriteLine($"first transport error: {e.Message} {e.InnerException?.Message}");
                }

                outcomes.Add(new Outcome(Stopwatch.GetTimestamp(), 0, false));
            }
        }
    }

    private async Task<long?> PollRollbackAsync(long end)
    {
        var metrics = new Uri(options.Admin, "/metrics");
        while (Stopwatch.GetTimestamp() < end)
        {
            var text = await _client.GetStringAsync(metrics);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("canary_rollbacks_total{", StringComparison.Ordinal)
                    && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var count) && count > 0)
                {
                    return Stopwatch.GetTimestamp();
                }
            }

            await Task.Delay(20);
        }

        return null;
    }

    private void Report(long start, long flipSent, long? rollbackSeen, long end, JsonElement backend)
    {
        var all = _outcomes.Where(o => o is not null).SelectMany(o => o).OrderBy(o => o.At).ToList();
        var healthy = all.Where(o => o.At < flipSent).ToList();
        var failed = all.Count(o => o.Status >= 500);
        var failedStable = all.Count(o => o.Status >= 500 && !o.Canary);
        var windowStart = flipSent - (long)(options.WindowSeconds * TicksPerSecond);
        var canaryOkInWindow = healthy.Count(o => o.Canary && o.Status < 500 && o.At >= windowStart);
        var needed = FailuresNeeded(canaryOkInWindow);

        var firstFailure = backend.GetProperty("firstFailure").GetInt64();
        var lastRequest = backend.GetProperty("lastRequest").GetInt64();
        var backendTicks = backend.GetProperty("ticksPerSecond").GetDouble();
        var reaction = firstFailure == 0 ? double.NaN : (lastRequest - firstFailure) / backendTicks;
        var backendFailures = backend.GetProperty("failures").GetInt64();

        var seconds = (end - start) / TicksPerSecond;
        var achieved = all.Count / seconds;
        var canaryRate = healthy.Count(o => o.Canary) / ((flipSent - start) / TicksPerSecond);
        var seen = rollbackSeen is { } at ? ((at - flipSent) / TicksPerSecond).ToString("0.000", CultureInfo.InvariantCulture) : "not seen";
        var pass = !double.IsNaN(reaction) && reaction < 1 && rollbackSeen is not null && failedStable == 0;

        // Blast radius goal: failed <= MinRequests + in flight, where in flight = the failures beyond what the
        // thresholds needed (requests already decided when the verdict came).
        var inFlight = Math.Max(0, failed - needed);
        var contained = rollbackSeen is not null && failed <= options.MinRequests + inFlight;

        var row = string.Create(CultureInfo.InvariantCulture,
            $"| {options.Rate:0} | {achieved:0} | {canaryRate:0} | {reaction:0.000} | {seen} | {failed} | {backendFailures} | {canaryOkInWindow} | {needed} | {failed - needed} | {Interlocked.Read(ref _transportErrors)} | {(pass ? "yes" : "NO")} | {(contained ? "yes" : "NO")} |");
        Console.WriteLine(row);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests {all.Count} in {seconds:0.0}s, healthy-phase 5xx {healthy.Count(o => o.Status >= 500)}, stable 5xx {failedStable}, concurrency {options.Concurrency}"));
        if (options.Out is { } path)
        {
            File.AppendAllText(path, row + Environment.NewLine);
        }
    }

    /// <summary>The smallest failure count F with F + ok >= MinRequests and F / (F + ok) > MaxErrorRate.</summary>
    private int FailuresNeeded(int ok)
    {
        var f = Math.Max(1, options.MinRequests - ok);
        while ((double)f / (f + ok) <= options.MaxErrorRate)
        {
            f++;
        }

        return f;
    }

    private async Task<JsonElement> GetJsonAsync(Uri uri)
    {
        var text = await _client.GetStringAsync(uri);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task DelayUntil(long due)
    {
        while (true)
        {
            var remaining = (due - Stopwatch.GetTimestamp()) / TicksPerSecond;
            if (remaining <= 0)
            {
                return;
            }

            if (remaining > 0.002)
            {
                await Task.Delay(TimeSpan.FromSeconds(remaining - 0.001));
            }
            else
            {
                await Task.Yield();
            }
        }
    }
}

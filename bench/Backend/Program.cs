using System.Diagnostics;
using System.Globalization;
using System.Text;

// The benchmarks' backend: GET / and GET /api/* answer 100 bytes of text. A fault switch makes them answer 500
// instead, and the counters below tell when the first failing responses left and when the last request arrived,
// on the machine's monotonic clock (Stopwatch ticks, comparable across processes on Linux).
//   PUT  /faults?errorRate=1   fail that share of requests from now on (0 heals); resets the failure timestamps
//   GET  /stats                the counters as JSON
//   POST /reset                heal and zero everything
// Usage: Canary.Bench.Backend --urls http://127.0.0.1:5101 [--name stable]
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();
var name = app.Configuration["name"] ?? "backend";
var body = Encoding.ASCII.GetBytes($"{name} ok ".PadRight(99, '.') + "\n");
var stats = new Stats();

app.Run(context =>
{
    var request = context.Request;
    var path = request.Path.Value ?? "/";
    if (HttpMethods.IsGet(request.Method) && (path == "/" || path.StartsWith("/api/", StringComparison.Ordinal)))
    {
        var now = Stopwatch.GetTimestamp();
        Volatile.Write(ref stats.LastRequest, now);
        Interlocked.Increment(ref stats.Requests);
        var response = context.Response;
        if (stats.ShouldFail())
        {
            Interlocked.CompareExchange(ref stats.FirstFailure, now, 0);
            Interlocked.Increment(ref stats.Failures);
            stats.Failed(now);
            response.StatusCode = StatusCodes.Status500InternalServerError;
        }
        else
        {
            Volatile.Write(ref stats.LastSuccess, now);
        }

        response.ContentType = "text/plain";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    if (HttpMethods.IsPut(request.Method) && path == "/faults")
    {
        var rate = double.TryParse(request.Query["errorRate"], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) ? Math.Clamp(r, 0, 1) : 0;
        stats.SetErrorRate(rate);
        return Json(context, stats.ToJson(name));
    }

    if (HttpMethods.IsGet(request.Method) && path == "/stats")
    {
        return Json(context, stats.ToJson(name));
    }

    if (HttpMethods.IsPost(request.Method) && path == "/reset")
    {
        stats.Reset();
        return Json(context, stats.ToJson(name));
    }

    context.Response.StatusCode = StatusCodes.Status404NotFound;
    return Task.CompletedTask;
});

app.Run();

static Task Json(HttpContext context, string json)
{
    context.Response.ContentType = "application/json";
    return context.Response.WriteAsync(json);
}

internal sealed class Stats
{
#pragma warning disable CA1051 // Fields, so Interlocked can take them by reference.
    public long Requests;
    public long Failures;
    public long LastRequest;
    public long LastSuccess;
    public long FirstFailure;
    public long FaultsSetAt;
#pragma warning restore CA1051
    private double _errorRate;

    // When each of the first failures since the fault was set left (Stopwatch ticks), so a benchmark can tell how many
    // failures a verdict waited for from how long it took to act on them.
    private readonly long[] _failedAt = new long[64];
    private int _failedSinceFaults;

    public void Failed(long now)
    {
        var n = Interlocked.Increment(ref _failedSinceFaults);
        if (n <= _failedAt.Length)
        {
            Volatile.Write(ref _failedAt[n - 1], now);
        }
    }

    public bool ShouldFail()
    {
        var rate = Volatile.Read(ref _errorRate);
        return rate > 0 && (rate >= 1 || Random.Shared.NextDouble() < rate);
    }

    public void SetErrorRate(double rate)
    {
        Volatile.Write(ref FirstFailure, 0);
        Array.Clear(_failedAt);
        Volatile.Write(ref _failedSinceFaults, 0);
        Volatile.Write(ref FaultsSetAt, Stopwatch.GetTimestamp());
        Volatile.Write(ref _errorRate, rate);
    }

    public void Reset()
    {
        Volatile.Write(ref _errorRate, 0);
        Requests = Failures = LastRequest = LastSuccess = FirstFailure = FaultsSetAt = 0;
        Array.Clear(_failedAt);
        _failedSinceFaults = 0;
    }

    // The first failures' moments on the wall clock, in microseconds, in the order they left: scripts compare them with
    // other processes' logs without a conversion of their own.
    private string FailedAtUnixUs()
    {
        var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var times = _failedAt.Where(t => t != 0).Order()
            .Select(t => (nowUs - (long)(Stopwatch.GetElapsedTime(t).TotalMilliseconds * 1000)).ToString(CultureInfo.InvariantCulture));
        return string.Join(',', times);
    }

    public string ToJson(string name) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"name":"{{name}}","errorRate":{{Volatile.Read(ref _errorRate)}},"requests":{{Interlocked.Read(ref Requests)}},"failures":{{Interlocked.Read(ref Failures)}},"ticksPerSecond":{{Stopwatch.Frequency}},"now":{{Stopwatch.GetTimestamp()}},"faultsSetAt":{{Interlocked.Read(ref FaultsSetAt)}},"firstFailure":{{Interlocked.Read(ref FirstFailure)}},"failedAtUnixUs":[{{FailedAtUnixUs()}}],"lastRequest":{{Interlocked.Read(ref LastRequest)}},"lastSuccess":{{Interlocked.Read(ref LastSuccess)}}}""");
}

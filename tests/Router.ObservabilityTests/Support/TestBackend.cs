using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>
/// A real Kestrel backend for one version of one route, on 127.0.0.1 and a free port. It answers every path and
/// counts what it answered by status class, so a test can compare the router's counters with what was really served.
/// Faults: a path containing <c>/fail</c> gets 500, <c>/missing</c> 404, <c>/moved</c> 302, and
/// <see cref="FailFraction"/> of the other requests (spread evenly, deterministic) get 500.
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _answered = new(StringComparer.Ordinal);
    private KestrelApp _app = null!;
    private long _seen;

    private TestBackend(string name) => Name = name;

    /// <summary>e.g. <c>api-v2</c>; also the body of every answer and the <c>X-Backend</c> header.</summary>
    public string Name { get; }

    public Uri Address => _app.Address;

    /// <summary>0..1: the share of ordinary requests answered with 500 (every 1/FailFraction-th one).</summary>
    public double FailFraction { get; set; }

    /// <summary>Answers given so far by status class (<c>2xx</c>, <c>3xx</c>, <c>4xx</c>, <c>5xx</c>).</summary>
    public IReadOnlyDictionary<string, int> Answered => new Dictionary<string, int>(_answered, StringComparer.Ordinal);

    public int Total => _answered.Values.Sum();

    public int AnsweredWith(string statusClass) => _answered.GetValueOrDefault(statusClass);

    public static async Task<TestBackend> StartAsync(string name)
    {
        var backend = new TestBackend(name);
        backend._app = await KestrelApp.StartAsync(app => app.Run(backend.AnswerAsync));
        return backend;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext context)
    {
        using (var drain = new MemoryStream())
        {
            await context.Request.Body.CopyToAsync(drain, context.RequestAborted);
        }

        var path = context.Request.Path.Value ?? "/";
        var status = path.Contains("/fail", StringComparison.Ordinal) ? StatusCodes.Status500InternalServerError
            : path.Contains("/missing", StringComparison.Ordinal) ? StatusCodes.Status404NotFound
            : path.Contains("/moved", StringComparison.Ordinal) ? StatusCodes.Status302Found
            : FailsNext() ? StatusCodes.Status500InternalServerError
            : StatusCodes.Status200OK;

        // Counted before the answer leaves, so once a client has its response the count includes it.
        _answered.AddOrUpdate($"{status / 100}xx", 1, (_, n) => n + 1);
        context.Response.StatusCode = status;
        context.Response.Headers["X-Backend"] = Name;
        if (status == StatusCodes.Status302Found)
        {
            context.Response.Headers.Location = "/elsewhere";
        }

        await context.Response.WriteAsync(Name, context.RequestAborted);
    }

    private bool FailsNext()
    {
        var fraction = FailFraction;
        if (fraction <= 0)
        {
            return false;
        }

        var n = Interlocked.Increment(ref _seen);
        return Math.Floor(n * fraction) > Math.Floor((n - 1) * fraction);
    }
}

using System.Collections.Concurrent;
using System.Globalization;

namespace Canary.Router.FunctionalTests.Admin;

/// <summary>
/// Background GETs through the router's public address, as steady user traffic while a test edits router.json.
/// Every response that is not 2xx, and every request that got no response, is a failure.
/// </summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task[] _workers;
    private int _requests;

    private LoadLoop(Uri publicAddress, int workers, string[] paths) =>
        _workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync(publicAddress, w, paths)))];

    public static LoadLoop Start(Uri publicAddress, params string[] paths) => new(publicAddress, workers: 2, paths);

    /// <summary>Stops after the requests in flight complete.</summary>
    public async Task<(int Requests, IReadOnlyList<string> Failures)> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return (Volatile.Read(ref _requests), [.. _failures]);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(Uri publicAddress, int worker, string[] paths)
    {
        using var client = RouterRig.NewClient();
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var path = paths[i % paths.Length];
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(publicAddress, path));
            request.Headers.Add("X-User-Id", "load-" + ((worker * 1000) + (i % 100)).ToString(CultureInfo.InvariantCulture));
            try
            {
                // Not cancelled with the loop: a request that started is seen through.
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    _failures.Enqueue($"GET {path}: {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException e)
            {
                _failures.Enqueue($"GET {path}: {e.Message}");
            }

            Interlocked.Increment(ref _requests);
        }
    }
}

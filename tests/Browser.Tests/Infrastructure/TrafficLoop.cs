namespace Canary.Browser.Tests.Infrastructure;

/// <summary>A little steady traffic to an address, from many users (X-User-Id user-0..199), until disposed or a minute has passed.</summary>
internal sealed class TrafficLoop : IAsyncDisposable
{
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Task _loop;
    private long _succeeded;

    private TrafficLoop(Uri address, string userHeader) => _loop = Task.Run(() => RunAsync(address, userHeader, _stop.Token));

    /// <summary>Responses with a 2xx status so far.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    public static TrafficLoop Start(Uri address, string userHeader) => new(address, userHeader);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _client.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(Uri address, string userHeader, CancellationToken stop)
    {
        var until = DateTime.UtcNow + MaxDuration;
        for (var i = 0; !stop.IsCancellationRequested && DateTime.UtcNow < until; i++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, address);
                request.Headers.Add(userHeader, FormattableString.Invariant($"user-{i % 200}"));
                using var response = await _client.SendAsync(request, stop);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _succeeded);
                }

                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // The router is stopping.
            }
        }
    }
}

namespace Canary.Router.Metrics;

/// <summary>
/// How the request path wakes the guard loop without waiting for it: a failure pokes, the loop wakes. Many pokes
/// between two wakes make one wake; a poke never blocks and never allocates.
/// </summary>
/// <param name="also">Poked with it: replica mode's loop, so a canary's failures reach the other replicas early.</param>
internal sealed class FailureSignal(Action? also = null) : IDisposable
{
    // No maximum count: a poke racing the loop's timeout can leave one extra wake, which is harmless.
    private readonly SemaphoreSlim _wake = new(0);
    private int _poked;

    public void Poke()
    {
        if (Interlocked.Exchange(ref _poked, 1) == 0)
        {
            _wake.Release();
        }

        also?.Invoke();
    }

    /// <summary>Waits for a poke or the timeout; true when poked. Pokes after this returns wake the next wait.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var poked = await _wake.WaitAsync(timeout, cancellation);
        Volatile.Write(ref _poked, 0);
        return poked;
    }

    public void Dispose() => _wake.Dispose();
}

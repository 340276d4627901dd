namespace Canary.Router.State;

/// <summary>
/// What wakes replica mode's loop before its timer: another replica announced a change (<see cref="Changed"/>),
/// this replica's requests failed (<see cref="Failed"/>), or another replica's canary did (<see cref="PeersFailed"/>).
/// Each is a flag the loop takes when it acts on it; while one
/// is set, more pokes of it cost an interlocked exchange and wake nothing (a failing canary at 1,000 requests a second
/// wakes the loop once per push, not once per request).
/// </summary>
internal sealed class RoundSignal : IDisposable
{
    // No maximum count: a poke racing the loop's timeout can leave one extra wake, which is harmless.
    private readonly SemaphoreSlim _wake = new(0);
    private int _changed;
    private int _failed;
    private int _peersFailed;
    private long _failedAt;

    public bool ChangedPending => Volatile.Read(ref _changed) == 1;

    public bool FailedPending => Volatile.Read(ref _failed) == 1;

    public bool PeersFailedPending => Volatile.Read(ref _peersFailed) == 1;

    public void Changed() => Raise(ref _changed);

    /// <summary>A request of this replica failed; the first failure since the last push is stamped (<see cref="TakeFailedAt"/>).</summary>
    public void Failed()
    {
        if (Volatile.Read(ref _failedAt) == 0)
        {
            Interlocked.CompareExchange(ref _failedAt, Metrics.PeerSteps.Stamp(TimeProvider.System), 0);
        }

        Raise(ref _failed);
    }

    /// <summary>The stamp of the first failure since the last call (0: none), for the push that carries it.</summary>
    public long TakeFailedAt() => Interlocked.Exchange(ref _failedAt, 0);

    public void PeersFailed() => Raise(ref _peersFailed);

    /// <summary>Clears the change flag: the loop reads the state now.</summary>
    public bool TakeChanged() => Interlocked.Exchange(ref _changed, 0) == 1;

    /// <summary>Clears the failure flag: the loop pushes now, or found nothing to push early.</summary>
    public void TakeFailed() => Volatile.Write(ref _failed, 0);

    /// <summary>Clears the peers' failure flag: the loop pushes now, or had nothing new to push.</summary>
    public void TakePeersFailed() => Volatile.Write(ref _peersFailed, 0);

    /// <summary>Waits for a poke or the timeout.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellation) => _wake.WaitAsync(timeout, cancellation);

    public void Dispose() => _wake.Dispose();

    private void Raise(ref int flag)
    {
        if (Interlocked.Exchange(ref flag, 1) == 0)
        {
            _wake.Release();
        }
    }
}

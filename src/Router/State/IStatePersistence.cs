namespace Canary.Router.State;

/// <summary>
/// Where <see cref="ReleaseStore"/> writes: the state file (one process), or Redis with the state file as a local
/// cache (replicas, <see cref="RedisStateStore"/>). Nothing above the store knows which.
/// </summary>
internal interface IStatePersistence
{
    /// <summary>
    /// Writes the whole state durably, with the commits not written yet (a shared decision log records them with it).
    /// Throws an <see cref="IOException"/> when it cannot (<see cref="StateConflictException"/>: another replica
    /// changed a release first); nothing is then written.
    /// </summary>
    void Write(RouterSnapshot snapshot, IReadOnlyDictionary<string, long> retired, IReadOnlyList<Commit> unwritten);
}

/// <summary>Another replica changed a release first (or this one lost the step lease): the write was refused whole.</summary>
internal sealed class StateConflictException(string message) : IOException(message);

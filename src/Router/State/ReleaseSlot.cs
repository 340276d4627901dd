namespace Canary.Router.State;

/// <summary>
/// Holds the current state of one release. The request path reads <see cref="Current"/> with no lock and no lookup;
/// only <see cref="ReleaseStore"/> writes it.
/// </summary>
internal sealed class ReleaseSlot(ReleaseState initial)
{
    private ReleaseState _current = initial;

    public ReleaseState Current => Volatile.Read(ref _current);

    internal void Set(ReleaseState state) => Volatile.Write(ref _current, state);
}

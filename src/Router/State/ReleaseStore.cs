using System.Collections.Frozen;

namespace Canary.Router.State;

/// <summary>
/// The one place release state changes. Writers are serialized; readers (every request) see a consistent
/// <see cref="ReleaseState"/> through their <see cref="ReleaseSlot"/> without locking.
/// </summary>
internal sealed class ReleaseStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, ReleaseSlot> _slots;

    public ReleaseStore(IEnumerable<ReleaseState> releases, TimeProvider time)
    {
        _time = time;
        _slots = releases.ToFrozenDictionary(r => r.Name, r => new ReleaseSlot(r), StringComparer.Ordinal);
    }

    /// <summary>
    /// Raised inside the writer lock, in order, for every applied change: observers (metrics, persistence, the
    /// decision log) see changes in the order they happened, and a change is persisted before its caller returns.
    /// </summary>
    public event Action<ReleaseChange>? Changed;

    public IReadOnlyCollection<string> Names => _slots.Keys;

    public ReleaseSlot? Slot(string name) => _slots.GetValueOrDefault(name);

    public ReleaseState? Get(string name) => Slot(name)?.Current;

    public IReadOnlyList<ReleaseState> All() => [.. _slots.Values.Select(s => s.Current).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Applies a pure transition to the current state of a release; the result carries the refusal when there is one.
    /// Returns null when the release does not exist.
    /// </summary>
    public (ReleaseChange? Change, string? Refusal)? Apply(string name, Func<ReleaseState, Transition> transition, ChangeCause cause)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(name, out var slot))
            {
                return null;
            }

            var before = slot.Current;
            var outcome = transition(before);
            if (outcome.Next is null)
            {
                return (null, outcome.Refusal);
            }

            var change = new ReleaseChange(before, outcome.Next with { Revision = before.Revision + 1 }, cause, _time.GetUtcNow());
            Changed?.Invoke(change);
            slot.Set(change.After);
            return (change, null);
        }
    }
}

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
    private FrozenDictionary<string, ReleaseSlot> _slots;

    public ReleaseStore(IEnumerable<ReleaseState> releases, TimeProvider time)
    {
        _time = time;
        _slots = releases.ToFrozenDictionary(r => r.Name, r => new ReleaseSlot(r), StringComparer.Ordinal);
    }

    /// <summary>
    /// Raised inside the writer lock, in order, for every applied change, before it takes effect: observers
    /// (persistence, metrics, the decision log) see changes in the order they happened, and a change that cannot be
    /// persisted (the observer throws) does not take effect.
    /// </summary>
    public event Action<ReleaseChange, IReadOnlyList<ReleaseState>>? Changed;

    public IReadOnlyCollection<string> Names => Volatile.Read(ref _slots).Keys;

    public ReleaseSlot? Slot(string name) => Volatile.Read(ref _slots).GetValueOrDefault(name);

    public ReleaseState? Get(string name) => Slot(name)?.Current;

    public IReadOnlyList<ReleaseState> All() => Snapshot(Volatile.Read(ref _slots), null);

    /// <summary>
    /// Applies a pure transition to the current state of a release; the result carries the refusal when there is one.
    /// Returns null when the release does not exist.
    /// </summary>
    public (ReleaseChange? Change, Refusal? Refusal)? Apply(string name, Func<ReleaseState, Transition> transition, ChangeCause cause)
    {
        lock (_gate)
        {
            if (!_slots.TryGetValue(name, out var slot))
            {
                return null;
            }

            var outcome = transition(slot.Current);
            if (outcome.Next is null)
            {
                return (null, outcome.Refusal);
            }

            var change = Publish(slot.Current, outcome.Next with { Revision = slot.Current.Revision + 1 }, cause);
            slot.Set(change.After);
            return (change, null);
        }
    }

    /// <summary>
    /// Makes the set of releases match a new configuration: new releases appear, removed ones go, existing ones are
    /// combined with their new options by <paramref name="reconcile"/>. Slots of kept releases stay the same objects.
    /// </summary>
    public void Reconcile(IReadOnlyList<Configuration.ReleaseOptions> releases, Func<ReleaseState?, Configuration.ReleaseOptions, ReleaseState> reconcile, ChangeCause cause)
    {
        lock (_gate)
        {
            var slots = new Dictionary<string, ReleaseSlot>(StringComparer.Ordinal);
            foreach (var options in releases)
            {
                var existing = _slots.GetValueOrDefault(options.Name);
                var next = reconcile(existing?.Current, options);
                if (existing is null)
                {
                    slots[options.Name] = new ReleaseSlot(next);
                    continue;
                }

                if (next != existing.Current)
                {
                    var change = Publish(existing.Current, next with { Revision = Math.Max(next.Revision, existing.Current.Revision + 1) }, cause);
                    existing.Set(change.After);
                }

                slots[options.Name] = existing;
            }

            Volatile.Write(ref _slots, slots.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    private ReleaseChange Publish(ReleaseState before, ReleaseState after, ChangeCause cause)
    {
        var change = new ReleaseChange(before, after, cause, _time.GetUtcNow());
        Changed?.Invoke(change, Snapshot(_slots, after));
        return change;
    }

    private static ReleaseState[] Snapshot(FrozenDictionary<string, ReleaseSlot> slots, ReleaseState? replacing) =>
        [.. slots.Values.Select(s => replacing is not null && s.Current.Name == replacing.Name ? replacing : s.Current)
            .OrderBy(s => s.Name, StringComparer.Ordinal)];
}

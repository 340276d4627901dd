using Canary.Router.Configuration;
using Canary.Router.Routing;

namespace Canary.Router.State;

/// <summary>
/// The one place release state changes, and the one place revisions are given (invariants: README, "State you can
/// rely on"). Writers are serialized; readers (every request) take <see cref="Current"/> with one volatile read.
/// <list type="bullet">
/// <item>Operator and step changes are persisted before they take effect: a change that cannot be written is refused
/// (<see cref="RefusalKind.Unavailable"/>) and nothing changes.</item>
/// <item>Guard rollbacks take effect at once and are written after (before their observers hear of them); reloads (router.json is on disk already) are written
/// first when the disk allows, so a reader that sees one finds it in the state file, and take effect either way. A write
/// that fails is retried (<see cref="Flush"/>) until it succeeds, and since every write is of the whole state, any later
/// change is on disk only with them.</item>
/// <item>Observers (<see cref="Committed"/>: the decision log, metrics) see committed changes in order and cannot veto them.</item>
/// <item>Replicas: another replica's changes enter through <see cref="Adopt"/> only, with the revisions they were
/// given there; a write another replica got in first is refused (<see cref="StateConflictException"/>).</item>
/// </list>
/// </summary>
internal sealed class ReleaseStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly IStatePersistence _persistence;
    private readonly List<Commit> _pending = [];
    private readonly Dictionary<string, long> _retired;
    private readonly Func<string, long> _revisionFloor;
    private RouterSnapshot _current;
    private bool _unwritten;

    /// <param name="persistence">Writes the whole state durably; throws when it cannot.</param>
    /// <param name="retired">The last revision of each release that was removed: a release added again continues from it.</param>
    /// <param name="revisionFloor">Every revision given to a release is above it (e.g. the highest one the decision log saw for it).</param>
    public ReleaseStore(RouterOptions options, IStatePersistence persistence, TimeProvider time,
        IReadOnlyDictionary<string, long>? retired = null, Func<string, long>? revisionFloor = null)
    {
        _time = time;
        _persistence = persistence;
        _retired = new Dictionary<string, long>(retired ?? new Dictionary<string, long>(), StringComparer.Ordinal);
        _revisionFloor = revisionFloor ?? (_ => 0);
        _current = new RouterSnapshot(options with { Releases = [] }, RoutingTable.Empty, []);
    }

    /// <summary>Raised inside the writer lock, in order, for every committed change; a throwing observer is reported through <see cref="Faulted"/>.</summary>
    public event Action<Commit>? Committed;

    /// <summary>A write of the state failed (the change was refused, or will be written later).</summary>
    public event Action<Exception>? WriteFailed;

    /// <summary>A committed change waits to be written: <see cref="Flush"/> until it returns true.</summary>
    public event Action? WritePending;

    /// <summary>An observer of <see cref="Committed"/> threw; the change stands.</summary>
    public event Action<Exception>? Faulted;

    public RouterSnapshot Current => Volatile.Read(ref _current);

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Current.Routes.ReleaseNames;

    /// <summary>Whether a committed change is not yet on disk.</summary>
    public bool Unwritten
    {
        get
        {
            lock (_gate)
            {
                return _unwritten;
            }
        }
    }

    public ReleaseState? Get(string name) => Current.Get(name);

    public IReadOnlyList<ReleaseState> All() => Current.Releases;

    /// <summary>
    /// Applies a pure transition to the current state of a release; the result carries the refusal when there is one.
    /// Returns null when the release does not exist.
    /// </summary>
    public (ReleaseChange? Change, Refusal? Refusal)? Apply(string name, Func<ReleaseState, Transition> transition, ChangeCause cause)
    {
        lock (_gate)
        {
            var current = _current;
            var index = current.Routes.IndexOf(name);
            if (index < 0)
            {
                return null;
            }

            var before = current.Get(name)!;
            var outcome = transition(before);
            if (outcome.Next is null)
            {
                return (null, outcome.Refusal);
            }

            if (outcome.Next.SameAs(before))
            {
                // Nothing would change: no revision, no event, no write.
                return (new ReleaseChange(before, before, cause, _time.GetUtcNow()), null);
            }

            var change = new ReleaseChange(before, outcome.Next with { Revision = NextRevision(name, before) }, cause, _time.GetUtcNow());
            var next = current.With(index, change.After);
            var commit = Commit.Of(change);
            var safety = cause.Actor is Actor.Guard;
            if (!safety && TryWrite(next, commit) is { } refusal)
            {
                return (null, refusal);
            }

            if (!safety)
            {
                Publish(next, commit);
                return (change, null);
            }

            // A rollback never waits on the disk: it is effective, then written now or by Flush. Written before its
            // observers run, so other replicas serve it without waiting for them (an experiment's final report costs
            // tens of milliseconds the first time).
            Volatile.Write(ref _current, next);
            WriteOrLater(next, commit);
            Observe(commit);
            return (change, null);
        }
    }

    /// <summary>
    /// Publishes a new configuration: its options and routes with every release reconciled by
    /// <paramref name="reconcile"/> from the state it had (<paramref name="before"/>; by default the running one),
    /// in one snapshot. A release that comes out the same keeps its state object and revision.
    /// </summary>
    public Commit Replace(RouterOptions options, RoutingTable routes, Func<ReleaseState?, ReleaseOptions, Reconciled> reconcile, ChangeCause cause,
        Func<string, ReleaseState?>? before = null)
    {
        lock (_gate)
        {
            var current = _current;
            before ??= current.Get;
            var byName = options.Releases.ToDictionary(r => r.Name, StringComparer.Ordinal);
            var at = _time.GetUtcNow();
            var states = new ReleaseState[routes.ReleaseNames.Count];
            List<ReleaseChange> changed = [];
            List<ReleaseState> added = [];
            for (var i = 0; i < states.Length; i++)
            {
                var name = routes.ReleaseNames[i];
                var previous = before(name);
                var (next, note) = reconcile(previous, byName[name]);
                if (previous is null)
                {
                    states[i] = next with { Revision = NextRevision(name, null) };
                    added.Add(states[i]);
                }
                else if (next.SameAs(previous))
                {
                    states[i] = previous;
                }
                else
                {
                    states[i] = next with { Revision = NextRevision(name, previous) };
                    changed.Add(new ReleaseChange(previous, states[i], note is null ? cause : cause with { Reason = $"{cause.Reason}; {note}" }, at));
                }
            }

            List<ReleaseState> removed = [.. current.Releases.Where(r => routes.IndexOf(r.Name) < 0)];
            foreach (var gone in removed)
            {
                _retired[gone.Name] = gone.Revision;
            }

            foreach (var back in added)
            {
                _retired.Remove(back.Name);
            }

            var commit = new Commit(changed, added, removed, cause, at);
            var snapshot = new RouterSnapshot(options, routes, states);
            if (commit.IsEmpty)
            {
                Publish(snapshot, commit);
                return commit;
            }

            // Written before it is published when the disk allows; published either way, since router.json says so.
            WriteOrLater(snapshot, commit);
            Publish(snapshot, commit);

            return commit;
        }
    }

    /// <summary>
    /// Takes release states another replica committed, with their revisions (never numbered again here): under the
    /// writer lock, <paramref name="remote"/> gives a release's state in the shared store when it should replace the
    /// running one, else null. An unwritten change of an adopted release is dropped: the release changed meanwhile.
    /// </summary>
    public Commit Adopt(Func<ReleaseState, ReleaseState?> remote, ChangeCause cause)
    {
        lock (_gate)
        {
            var current = _current;
            var states = current.Releases.ToArray();
            var at = _time.GetUtcNow();
            List<ReleaseChange> changed = [];
            for (var i = 0; i < states.Length; i++)
            {
                if (remote(states[i]) is { } next && !next.Equals(states[i]))
                {
                    changed.Add(new ReleaseChange(states[i], next, cause, at));
                    states[i] = next;
                }
            }

            var commit = new Commit(changed, [], [], cause, at);
            if (commit.IsEmpty)
            {
                return commit;
            }

            var adopted = changed.Select(c => c.After.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var kept = _pending[i] with { Changed = [.. _pending[i].Changed.Where(c => !adopted.Contains(c.After.Name))] };
                if (kept.IsEmpty)
                {
                    _pending.RemoveAt(i);
                }
                else
                {
                    _pending[i] = kept;
                }
            }

            Publish(new RouterSnapshot(current.Options, current.Routes, states), commit);
            return commit;
        }
    }

    /// <summary>Writes committed changes that are not on disk yet; true when nothing is left to write.</summary>
    public bool Flush()
    {
        lock (_gate)
        {
            return TryFlushLocked();
        }
    }

    /// <summary>Writes the whole state again (the shared store lost it); true when written.</summary>
    public bool Rewrite()
    {
        lock (_gate)
        {
            _unwritten = true;
            return TryFlushLocked();
        }
    }

    private bool TryFlushLocked() => !_unwritten || TryWrite(_current, null) is null;

    // Revisions strictly grow: above the release's own, above a removed release's last one, above the floor.
    private long NextRevision(string name, ReleaseState? before) =>
        Math.Max(Math.Max(before?.Revision ?? 0, _retired.GetValueOrDefault(name)), _revisionFloor(name)) + 1;

    // Writes the snapshot with the unwritten commits and, when given, the one about to be published; null when written.
    private Refusal? TryWrite(RouterSnapshot snapshot, Commit? commit)
    {
        try
        {
            _persistence.Write(snapshot, _retired, commit is null || _pending.Contains(commit) ? _pending : [.. _pending, commit]);
            _pending.Clear();
            _unwritten = false;
            return null;
        }
        catch (StateConflictException e)
        {
            return new Refusal(RefusalKind.StaleRevision, $"{e.Message}; nothing changed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Notify(WriteFailed, e);
            return new Refusal(RefusalKind.Unavailable, $"the state could not be written ({e.Message}); nothing changed");
        }
    }

    private void Publish(RouterSnapshot next, Commit commit)
    {
        Volatile.Write(ref _current, next);
        Observe(commit);
    }

    private void Observe(Commit commit)
    {
        if (commit.IsEmpty)
        {
            return;
        }

        foreach (var observer in Committed?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<Commit>)observer)(commit);
            }
            catch (Exception e)
            {
                Notify(Faulted, e);
            }
        }
    }

    // A change that takes effect whether or not it is written: written now if the disk allows, else by Flush, before
    // any later change.
    private void WriteOrLater(RouterSnapshot next, Commit commit)
    {
        _unwritten = true;
        _pending.Add(commit);
        if (TryWrite(next, null) is not null)
        {
            Notify(WritePending);
        }
    }

    private static void Notify(Action? handler) => handler?.Invoke();

    private static void Notify(Action<Exception>? handler, Exception e) => handler?.Invoke(e);
}

/// <summary>What <see cref="ReleaseReconciler"/> makes of a release: its next state, and why a router.json edit was not applied.</summary>
internal readonly record struct Reconciled(ReleaseState Next, string? NotApplied = null);

/// <summary>One committed change of the store: releases changed, added and removed, why, and when.</summary>
internal sealed record Commit(IReadOnlyList<ReleaseChange> Changed, IReadOnlyList<ReleaseState> Added, IReadOnlyList<ReleaseState> Removed, ChangeCause Cause, DateTimeOffset At)
{
    /// <summary>The commit of one release's change (an admin write, a step, a guard rollback).</summary>
    public static Commit Of(ReleaseChange change) => new([change], [], [], change.Cause, change.At);

    public bool IsEmpty => Changed.Count == 0 && Added.Count == 0 && Removed.Count == 0;
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canary.Router.State;

/// <summary>One side of a change, as the decision log shows it.</summary>
internal sealed record EventSide(string Stable, string? Canary, double Weight, ReleasePhase Phase, long Revision)
{
    public static EventSide Of(ReleaseState state) => new(state.Stable, state.Canary, state.Weight, state.Phase, state.Revision);
}

/// <summary>
/// An entry of the decision log: when, who, what, before and after, why, and the measured figures behind an
/// automatic decision. <see cref="Release"/> is null for router-wide events (a refused reload); <see cref="Key"/> names
/// the admin key behind an operator's change.
/// </summary>
internal sealed record DecisionEvent(
    long Sequence, DateTimeOffset Time, string? Release, Actor Actor, string Action, string Code, string Reason,
    EventSide? Before, EventSide? After, IReadOnlyDictionary<string, double>? Figures, string? Key = null)
{
    /// <summary>The entry of one release's change (or a router-wide event when <paramref name="release"/> is null).</summary>
    public static DecisionEvent Of(long sequence, DateTimeOffset at, string? release, ChangeCause cause, EventSide? before, EventSide? after) =>
        new(sequence, at, release, cause.Actor, cause.Action, cause.Code, cause.Reason, before, after, cause.Figures, cause.Key);
}

/// <summary>
/// The decision log: the latest <see cref="Capacity"/> events in memory for the admin API, and every event
/// appended as a JSON line to a file beside the state file, for the record. The file is rotated by size (the
/// previous one kept as <c>.1</c>, the one before it dropped), and a start reads only its tail.
/// An append that fails (a full disk) keeps the event in memory: the log observes changes, it cannot stop them.
/// </summary>
internal sealed class DecisionLog
{
    public const int Capacity = 1000;

    /// <summary>The size past which the file is rotated.</summary>
    public const long DefaultMaxBytes = 8 * 1024 * 1024;

    /// <summary>How much of the end of the file a start reads: comfortably more than <see cref="Capacity"/> events.</summary>
    private const int TailBytes = 2 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Lock _gate = new();
    private readonly Queue<DecisionEvent> _events = new();
    private readonly Dictionary<string, long> _lastRevision = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _maxBytes;
    private long _sequence;
    private long _size;

    /// <summary>Opens the log, taking the latest events of an existing file so a restart keeps the history on screen.</summary>
    public DecisionLog(string path, TimeProvider time, long maxBytes = DefaultMaxBytes)
    {
        Path = path;
        _time = time;
        _maxBytes = maxBytes;
        foreach (var file in new[] { path + ".1", path })
        {
            foreach (var line in Tail(file))
            {
                // A line cut short by a crash is skipped, not fatal: the log is a record, not the state.
                if (TryParse(line) is { } entry)
                {
                    Keep(entry);
                    _sequence = Math.Max(_sequence, entry.Sequence);
                }
            }
        }

        _size = File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    public string Path { get; }

    public static JsonSerializerOptions JsonOptions => Json;

    /// <summary>An entry as the log's file and the fleet's shared log keep it: one line of JSON.</summary>
    public static string Serialize(DecisionEvent entry) => JsonSerializer.Serialize(entry, Json);

    /// <summary>Raised for every new entry, in sequence order, inside the log's lock: an observer must neither block nor throw (the notifications enqueue).</summary>
    public event Action<DecisionEvent>? Appended;

    /// <summary>Appends that failed since the start (the events are still in memory).</summary>
    public long FailedAppends { get; private set; }

    /// <summary>Records every change of a commit, in order, with one append to the file (a start adds every release).</summary>
    public void Record(Commit commit) => Add(Entries(commit), commit.At);

    /// <summary>The entries of a commit, in order: releases added, changed, removed.</summary>
    public static IReadOnlyList<(string? Release, ChangeCause Cause, EventSide? Before, EventSide? After)> Entries(Commit commit) =>
    [
        .. commit.Added.Select(a => (a.Name, commit.Cause with { Action = "add", Reason = $"{commit.Cause.Reason}; release added" }, (EventSide?)null, (EventSide?)EventSide.Of(a))),
        .. commit.Changed.Select(c => (c.After.Name, c.Cause, (EventSide?)EventSide.Of(c.Before), (EventSide?)EventSide.Of(c.After))),
        .. commit.Removed.Select(r => (r.Name, commit.Cause with { Action = "remove", Reason = $"{commit.Cause.Reason}; release removed" }, (EventSide?)EventSide.Of(r), (EventSide?)null)),
    ];

    /// <summary>
    /// Replicas: a release's events as the fleet's shared log has them (written with each change), or null while it
    /// cannot be read; this replica's own log answers then.
    /// </summary>
    public Func<string, IReadOnlyList<DecisionEvent>?>? Shared { get; set; }

    public void Record(ReleaseChange change) => Add([(change.After.Name, change.Cause, EventSide.Of(change.Before), EventSide.Of(change.After))], change.At);

    public void Record(string? release, ChangeCause cause) => Add([(release, cause, null, null)], _time.GetUtcNow());

    /// <summary>The highest revision a release reached in the log; 0 when it has none.</summary>
    public long LastRevision(string release)
    {
        lock (_gate)
        {
            return _lastRevision.GetValueOrDefault(release);
        }
    }

    /// <summary>The highest revision any release reached in the log.</summary>
    public long MaxRevision()
    {
        lock (_gate)
        {
            return _lastRevision.Values.DefaultIfEmpty(0).Max();
        }
    }

    /// <summary>Events of a release, and router-wide ones, oldest first.</summary>
    public IReadOnlyList<DecisionEvent> For(string release)
    {
        var shared = Shared?.Invoke(release);
        lock (_gate)
        {
            return shared is null
                ? [.. _events.Where(e => e.Release is null || e.Release == release)]
                : [.. shared.Concat(_events.Where(e => e.Release is null)).OrderBy(e => e.Time)];
        }
    }

    private void Add(IEnumerable<(string? Release, ChangeCause Cause, EventSide? Before, EventSide? After)> entries, DateTimeOffset at)
    {
        lock (_gate)
        {
            var lines = new System.Text.StringBuilder();
            List<DecisionEvent> added = [];
            foreach (var (release, cause, before, after) in entries)
            {
                var entry = DecisionEvent.Of(++_sequence, at, release, cause, before, after);
                Keep(entry);
                added.Add(entry);
                lines.Append(Serialize(entry)).Append('\n');
            }

            if (lines.Length > 0)
            {
                Append(lines.ToString());
            }

            foreach (var entry in added)
            {
                Appended?.Invoke(entry);
            }
        }
    }

    private void Append(string line)
    {
        try
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(line);
            if (_size + bytes > _maxBytes && _size > 0)
            {
                File.Move(Path, Path + ".1", overwrite: true);
                _size = 0;
            }

            File.AppendAllText(Path, line);
            _size += bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            FailedAppends++;
        }
    }

    private void Keep(DecisionEvent entry)
    {
        _events.Enqueue(entry);
        if (_events.Count > Capacity)
        {
            _events.Dequeue();
        }

        if ((entry.After ?? entry.Before) is { } side && entry.Release is { } release)
        {
            _lastRevision[release] = Math.Max(_lastRevision.GetValueOrDefault(release), side.Revision);
        }
    }

    /// <summary>The complete lines of the last <see cref="TailBytes"/> of a file (none when there is no file).</summary>
    private static List<string> Tail(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var start = Math.Max(0, stream.Length - TailBytes);
        stream.Position = start;
        using var reader = new StreamReader(stream);
        if (start > 0)
        {
            reader.ReadLine(); // Most likely the second half of a line.
        }

        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static DecisionEvent? TryParse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<DecisionEvent>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

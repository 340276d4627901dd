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
    EventSide? Before, EventSide? After, IReadOnlyDictionary<string, double>? Figures, string? Key = null);

/// <summary>
/// The decision log: the latest <see cref="Capacity"/> events in memory for the admin API, and every event
/// appended as a JSON line to a file beside the state file, for the record.
/// </summary>
internal sealed class DecisionLog
{
    public const int Capacity = 1000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Lock _gate = new();
    private readonly Queue<DecisionEvent> _events = new();
    private readonly TimeProvider _time;
    private long _sequence;

    /// <summary>Opens the log, taking the latest events of an existing file so a restart keeps the history on screen.</summary>
    public DecisionLog(string path, TimeProvider time)
    {
        Path = path;
        _time = time;
        if (!File.Exists(path))
        {
            return;
        }

        foreach (var line in File.ReadLines(path))
        {
            // A line cut short by a crash is skipped, not fatal: the log is a record, not the state.
            if (TryParse(line) is { } entry)
            {
                Keep(entry);
                _sequence = Math.Max(_sequence, entry.Sequence);
            }
        }
    }

    public string Path { get; }

    public static JsonSerializerOptions JsonOptions => Json;

    public void Record(ReleaseChange change) => Add(change.After.Name, change.Cause, EventSide.Of(change.Before), EventSide.Of(change.After), change.At);

    public void Record(string? release, ChangeCause cause) => Add(release, cause, null, null, _time.GetUtcNow());

    /// <summary>The highest revision a release reached in the log; 0 when it has none.</summary>
    public long LastRevision(string release)
    {
        lock (_gate)
        {
            return _events.Where(e => e.Release == release && e.After is not null).Select(e => e.After!.Revision).DefaultIfEmpty(0).Max();
        }
    }

    /// <summary>Events of a release, and router-wide ones, oldest first.</summary>
    public IReadOnlyList<DecisionEvent> For(string release)
    {
        lock (_gate)
        {
            return [.. _events.Where(e => e.Release is null || e.Release == release)];
        }
    }

    private void Add(string? release, ChangeCause cause, EventSide? before, EventSide? after, DateTimeOffset at)
    {
        lock (_gate)
        {
            var entry = new DecisionEvent(++_sequence, at, release, cause.Actor, cause.Action, cause.Code, cause.Reason, before, after, cause.Figures, cause.Key);
            Keep(entry);
            File.AppendAllText(Path, JsonSerializer.Serialize(entry, Json) + "\n");
        }
    }

    private void Keep(DecisionEvent entry)
    {
        _events.Enqueue(entry);
        if (_events.Count > Capacity)
        {
            _events.Dequeue();
        }
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

using System.Text.Json;
using System.Text.Json.Serialization;
using Canary.Router.State;

namespace Canary.Router.Experiments;

/// <summary>
/// The experiments' counts on disk, beside the state file (<c>router.state.json.experiments.json</c>): each running
/// and last-ended experiment with its sketches' registers (base64; empty for a sketch that has counted nobody) and value sums. Written whole and atomically by
/// <see cref="ExperimentFlusher"/>, off the request path; a file that cannot be read is set aside, never fatal.
/// </summary>
internal sealed class ExperimentFile(string path)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public string Path { get; } = path;

    /// <summary>The saved experiments by release; null when there is no file, or it was unreadable (then kept as <c>.corrupt</c>).</summary>
    public Dictionary<string, SavedRelease>? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SavedFile>(File.ReadAllBytes(Path), Json)?.Releases;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException)
        {
            File.Move(Path, Path + ".corrupt", overwrite: true);
            return null;
        }
    }

    public void Write(IReadOnlyList<ReleaseExperiment> releases)
    {
        var file = new SavedFile(1, releases.ToDictionary(
            r => r.Release,
            r => new SavedRelease(r.Current is { } c ? ToSaved(c, null) : null, r.Previous is { } p ? ToSaved(p.Run, p.Ended) : null)));
        DurableFile.Write(Path, stream => JsonSerializer.Serialize(stream, file, Json));
    }

    public static ExperimentRun ToRun(SavedRun saved, ChangeSignal changes)
    {
        var goals = saved.Goals.Select((g, i) => new GoalOptions { Name = g.Name, Type = g.Type, Value = g.Value, Better = g.Better, Guardrail = g.Guardrail, Index = i }).ToList();
        return new ExperimentRun(new ExperimentKey(saved.Stable, saved.Canary, saved.CanaryBuckets), saved.Started, goals,
            ToArm(saved.Stable, saved.StableArm, goals.Count, changes), ToArm(saved.Canary, saved.CanaryArm, goals.Count, changes));
    }

    private static ExperimentArm ToArm(string version, SavedArm arm, int goals, ChangeSignal changes)
    {
        if (arm.Goals.Count != goals)
        {
            throw new InvalidDataException("an arm's goals do not match the experiment's");
        }

        return new ExperimentArm(version, Sketch(arm.Users), [.. arm.Goals.Select(g => new GoalCounter(Sketch(g.Users), g.Values, g.Sum, g.SumOfSquares))], changes);
    }

    private static HyperLogLog Sketch(byte[] registers) =>
        HyperLogLog.FromRegisters(registers) ?? throw new InvalidDataException("not a HyperLogLog of precision 14");

    private static SavedRun ToSaved(ExperimentRun run, DateTimeOffset? ended) => new(
        run.Key.Stable, run.Key.Canary, run.Key.CanaryBuckets, run.Started, ended,
        [.. run.Goals.Select(g => new SavedGoal(g.Name, g.Type, g.Value, g.Better, g.Guardrail))], ToSaved(run.Stable), ToSaved(run.Canary));

    private static SavedArm ToSaved(ExperimentArm arm) => new(
        arm.Exposed.Registers(),
        [.. arm.Goals.Select(g =>
        {
            var counts = g.Snapshot();
            return new SavedCounter(g.Users.Registers(), counts.Values, counts.Sum, counts.SumOfSquares);
        })]);

    internal sealed record SavedFile(int Version, Dictionary<string, SavedRelease> Releases);

    internal sealed record SavedRelease(SavedRun? Current, SavedRun? Previous);

    internal sealed record SavedRun(string Stable, string Canary, int CanaryBuckets, DateTimeOffset Started, DateTimeOffset? Ended,
        IReadOnlyList<SavedGoal> Goals, SavedArm StableArm, SavedArm CanaryArm);

    internal sealed record SavedGoal(string Name, GoalType Type, bool Value, GoalDirection Better, bool Guardrail = false);

    /// <param name="Users">The registers, base64 in the file (System.Text.Json writes a byte[] so, with no string in
    /// between); empty for an empty sketch.</param>
    internal sealed record SavedArm(byte[] Users, IReadOnlyList<SavedCounter> Goals);

    internal sealed record SavedCounter(byte[] Users, long Values, double Sum, double SumOfSquares);
}

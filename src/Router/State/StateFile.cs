using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canary.Router.State;

/// <summary>
/// The operator's changes on disk: every release's runtime state and the router.json origin it came from.
/// Written atomically (temporary file, flush to disk, rename) before a change takes effect, so a crash leaves
/// either the old file or the new one, never half of one.
/// </summary>
internal sealed class StateFile(string path)
{
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
        RespectRequiredConstructorParameters = true,
    };

    public string Path { get; } = path;

    public void Write(IReadOnlyList<ReleaseState> releases)
    {
        var document = new Document(FormatVersion, releases.ToDictionary(r => r.Name, Entry.Of, StringComparer.Ordinal));
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, document, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>
    /// The persisted entries, or null when there is no file. A file that cannot be read as a state file is moved
    /// aside (never deleted) and reported through <paramref name="corruptMovedTo"/>.
    /// </summary>
    public IReadOnlyDictionary<string, Entry>? Read(TimeProvider time, out string? corruptMovedTo, out string? error)
    {
        corruptMovedTo = null;
        error = null;
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            var document = JsonSerializer.Deserialize<Document>(File.ReadAllText(Path), Json);
            if (document is { Version: FormatVersion, Releases: not null })
            {
                return document.Releases;
            }

            error = $"unknown format (version {document?.Version})";
        }
        catch (JsonException e)
        {
            error = e.Message;
        }

        corruptMovedTo = $"{Path}.corrupt-{time.GetUtcNow():yyyyMMddTHHmmssfff}";
        File.Move(Path, corruptMovedTo);
        return null;
    }

    internal sealed record Document(int Version, Dictionary<string, Entry>? Releases);

    /// <summary>One release as persisted.</summary>
    internal sealed record Entry(
        string Stable, string? Canary, double Weight, ReleasePhase Phase, long Revision,
        string? OriginStable, string? OriginCanary, double OriginWeight,
        int Step = -1, IReadOnlyList<DrainedDestination>? Draining = null)
    {
        public static Entry Of(ReleaseState state) => new(
            state.Stable, state.Canary, state.Weight, state.Phase, state.Revision,
            state.Origin.Stable, state.Origin.Canary, state.Origin.Weight, state.Step, state.Draining);

        /// <summary>
        /// The persisted runtime fields over the state router.json gives, when the persisted origin names the same
        /// versions; the caller then reconciles it with the current options, as a hot reload would.
        /// </summary>
        public ReleaseState? Restore(ReleaseState fromConfig)
        {
            var origin = new ReleaseOrigin(OriginStable, OriginCanary, OriginWeight);
            return origin.SameVersions(fromConfig.Origin)
                ? fromConfig with
                {
                    Stable = Stable,
                    Canary = Canary,
                    CanaryBuckets = Canary is null ? 0 : ReleaseState.ToBuckets(Weight),
                    Phase = Phase,
                    Revision = Revision,
                    Origin = origin,
                    Step = Step < fromConfig.Steps.Count ? Step : fromConfig.Steps.Count - 1,
                    Draining = Draining ?? [],
                }
                : null;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canary.Router.State;

/// <summary>
/// The operator's changes on disk: every release's runtime state and the router.json origin it came from, and the
/// last revision of releases that were removed. Written whole and durably (<see cref="DurableFile"/>), so a crash
/// leaves either the old file or the new one, never half of one.
/// </summary>
internal sealed class StateFile(string path) : IStatePersistence
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

    void IStatePersistence.Write(RouterSnapshot snapshot, IReadOnlyDictionary<string, long> retired, IReadOnlyList<Commit> unwritten) =>
        Write(snapshot.Releases, retired);

    /// <summary>One release as this file keeps it, as JSON (Redis keeps each release so).</summary>
    public static string Serialize(ReleaseState state) => JsonSerializer.Serialize(Entry.Of(state), Json);

    public static Entry? Deserialize(string json) => JsonSerializer.Deserialize<Entry>(json, Json);

    public void Write(IReadOnlyList<ReleaseState> releases, IReadOnlyDictionary<string, long> retired)
    {
        var document = new Document(FormatVersion, releases.ToDictionary(r => r.Name, Entry.Of, StringComparer.Ordinal),
            retired.Count == 0 ? null : new Dictionary<string, long>(retired, StringComparer.Ordinal));
        DurableFile.Write(Path, stream => JsonSerializer.Serialize(stream, document, Json));
    }

    /// <summary>
    /// Whether the file at <see cref="Path"/> could be one this router wrote (possibly damaged): a JSON object whose
    /// first property is <c>version</c>, or empty. Anything else is someone else's file, never to be moved or overwritten.
    /// </summary>
    public bool LooksLikeStateFile()
    {
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var head = new byte[64];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var text = System.Text.Encoding.UTF8.GetString(head, 0, read).TrimStart();
        return text.Length == 0 || text.TrimStart('\0').Length == 0
            || (text.StartsWith('{') && text[1..].TrimStart().StartsWith("\"version\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// The persisted document, or null when there is no file. A state file that cannot be read is moved aside (never
    /// deleted) and reported through <paramref name="corruptMovedTo"/>.
    /// </summary>
    public Document? Read(TimeProvider time, out string? corruptMovedTo, out string? error)
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
                return document;
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

    /// <param name="Retired">The last revision of each removed release, so a release added again continues above it.</param>
    internal sealed record Document(int Version, Dictionary<string, Entry>? Releases, Dictionary<string, long>? Retired = null)
    {
        /// <summary>The persisted state of each release router.json still names, over what it says now (<see cref="Entry.Restore"/>).</summary>
        public Dictionary<string, ReleaseState> Restore(Configuration.RouterOptions options) => options.Releases
            .Select(r => Releases?.GetValueOrDefault(r.Name)?.Restore(ReleaseState.FromOptions(r)))
            .OfType<ReleaseState>()
            .ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>One release as persisted.</summary>
    internal sealed record Entry(
        string Stable, string? Canary, double Weight, ReleasePhase Phase, long Revision,
        string? OriginStable, string? OriginCanary, double OriginWeight,
        int Step = -1, IReadOnlyList<DrainedDestination>? Draining = null, string? OriginSettings = null, ReleaseNotice? Notice = null)
    {
        public static Entry Of(ReleaseState state) => new(
            state.Stable, state.Canary, state.Weight, state.Phase, state.Revision,
            state.Origin.Stable, state.Origin.Canary, state.Origin.Weight, state.Step, state.Draining, state.Origin.Settings, state.Notice);

        /// <summary>
        /// The state as it was when persisted, over the settings router.json gives now, when the persisted origin names
        /// the same versions; otherwise the persisted essentials alone (what the release was, for the decision log).
        /// The caller reconciles it with the current options, as a hot reload would.
        /// </summary>
        public ReleaseState Restore(ReleaseState fromConfig)
        {
            // A file written before settings were fingerprinted: take today's settings as the ones it saw.
            var origin = new ReleaseOrigin(OriginStable, OriginCanary, OriginWeight, OriginSettings ?? fromConfig.Origin.Settings);
            var restored = fromConfig with
            {
                Stable = Stable,
                Canary = Canary,
                CanaryBuckets = Canary is null ? 0 : ReleaseState.ToBuckets(Weight),
                Phase = Phase,
                Revision = Revision,
                Origin = origin,
                Draining = Draining ?? [],
                Notice = Notice,
            };
            return origin.SameVersions(fromConfig.Origin)
                ? restored with { Step = Math.Min(Step, fromConfig.Steps.Count - 1) }
                : restored with { Step = -1 };
        }
    }
}

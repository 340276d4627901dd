using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Canary.Cli;

/// <summary>Small, forgiving readers of the admin API's JSON: a field the router does not send reads as null, not as a crash.</summary>
internal static class Json
{
    // Relaxed escaping: the output is read by people and parsers, never embedded in HTML.
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = CliJsonContext.Default };

    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = CliJsonContext.Default };

    public static string? Str(this JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static double? Num(this JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    public static bool? Bool(this JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    public static JsonArray Array(this JsonNode? node, string name) => node?[name] as JsonArray ?? [];

    public static IEnumerable<JsonObject> Objects(this JsonArray array) => array.OfType<JsonObject>();

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A percent as people write it: 10, 12.5.</summary>
    public static string Percent(double? value) => value is null ? "-" : Invariant(Math.Round(value.Value, 2)) + "%";
}

/// <summary>The CLI reads and writes JSON as nodes only; their metadata generated at build time, as Native AOT needs.</summary>
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

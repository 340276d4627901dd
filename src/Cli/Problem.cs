using System.Text.Json.Nodes;

namespace Canary.Cli;

/// <summary>An RFC 7807 problem the router answered with: status, title, detail, and the field errors of a 400.</summary>
internal sealed record Problem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, IReadOnlyList<string>> Errors)
{
    /// <summary>Reads a problem body; a body that is not one still gives the status and the start of the text.</summary>
    public static Problem Of(int status, string? reasonPhrase, string body)
    {
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: a proxy's error page, say. Shown as text below.
        }

        if (json is null)
        {
            var text = body.Length > 200 ? body[..200] + "..." : body;
            return new Problem(status, reasonPhrase ?? "Error", text.Length == 0 ? null : text, new Dictionary<string, IReadOnlyList<string>>());
        }

        var errors = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (json["errors"] is JsonObject fields)
        {
            foreach (var (field, messages) in fields)
            {
                errors[field] = messages is JsonArray list ? [.. list.Select(m => m?.ToString() ?? "")] : [messages?.ToString() ?? ""];
            }
        }

        return new Problem(status, Text(json, "title") ?? reasonPhrase ?? "Error", Text(json, "detail"), errors);
    }

    public JsonObject ToJson()
    {
        var errors = new JsonObject();
        foreach (var (field, messages) in Errors)
        {
            errors[field] = new JsonArray([.. messages.Select(m => (JsonNode?)JsonValue.Create(m))]);
        }

        return new JsonObject { ["status"] = Status, ["title"] = Title, ["detail"] = Detail, ["errors"] = errors };
    }

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

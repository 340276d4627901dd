using System.Text.Json;

namespace Canary.Router.Admin;

/// <summary>
/// Reads an admin request body strictly: bounded in size (413), well-formed JSON (400), an object whose fields
/// are all known (400 naming the unknown one). What the endpoint then reads from it is its own business.
/// </summary>
internal static class JsonBody
{
    public const int MaxBytes = 16 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>The body as an object, or the problem to answer with.</summary>
    public static async Task<(JsonElement Body, IResult? Problem)> ReadAsync(HttpRequest request, params string[] knownFields)
    {
        // Routing's Accepts check lets a request without Content-Type through.
        if (!request.HasJsonContentType())
        {
            return (default, AdminProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The body must be application/json."));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (default, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (default, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (default, AdminProblems.Invalid("body", "a JSON object is required"));
        }

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), Options);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return (default, AdminProblems.Invalid("body", "is not valid JSON: " + e.Message));
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return (default, AdminProblems.Invalid("body", "must be a JSON object"));
        }

        var errors = new Dictionary<string, string[]>();
        foreach (var property in body.EnumerateObject())
        {
            if (!knownFields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                errors[property.Name] = [$"is not a known field (known: {string.Join(", ", knownFields)})"];
            }
        }

        return errors.Count == 0 ? (body, null) : (default, AdminProblems.Invalid(errors));
    }

    /// <summary>A property by name, ignoring case, as JSON clients of .NET APIs expect.</summary>
    public static bool TryGet(JsonElement body, string name, out JsonElement value)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static IResult TooLarge() =>
        AdminProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Admin request bodies are limited to {MaxBytes} bytes.");
}

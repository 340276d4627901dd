using System.Text.Json;
using Canary.Router.Configuration;

namespace Canary.Router.Admin;

/// <summary>
/// Reads an admin request body strictly: bounded in size (413), UTF-8 and well-formed JSON (400), an object whose
/// fields are all known and given once (400 naming the field). What the endpoint then reads from it is its own business.
/// Kestrel's own refusals while reading (a malformed chunk, a body over its limit) surface as
/// <see cref="BadHttpRequestException"/> and are answered as problem details by the admin host.
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
        while ((read = await ReadBodyAsync(request, chunk)) > 0)
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

        var bytes = buffer.ToArray();

        // JsonDocument checks UTF-8 in values as it parses, but in property names only when they are read.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return (default, AdminProblems.Invalid("body", "is not valid UTF-8"));
        }

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(bytes, Options);
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

        var properties = new Dictionary<string, JsonProperty>(StringComparer.OrdinalIgnoreCase);
        var errors = JsonSection.Index(body, properties).ToDictionary(name => name, _ => new[] { JsonSection.RepeatedKey }, StringComparer.OrdinalIgnoreCase);
        foreach (var name in properties.Keys)
        {
            if (!knownFields.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                errors[name] = [$"is not a known field (known: {string.Join(", ", knownFields)})"];
            }
        }

        return errors.Count == 0 ? (body, null) : (default, AdminProblems.Invalid(errors));
    }

    /// <summary>
    /// For the actions that take no body (promote, rollback, pause, resume, switch): an empty body is fine, whatever
    /// its Content-Type; any content is refused with 415 rather than silently ignored.
    /// </summary>
    public static async Task<IResult?> RefuseAnyAsync(HttpRequest request)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true))
        {
            return null;
        }

        // A chunked body may still be empty: one byte tells.
        var probe = new byte[1];
        return await ReadBodyAsync(request, probe) == 0
            ? null
            : AdminProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"{request.Method} {request.Path} takes no body; send it without one.");
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

    /// <summary>
    /// Reads the body, turning Kestrel's bare I/O errors about its framing (e.g. "Bad chunk size data" for a size that
    /// overflows) into the 400 they are, answered as problem details like its other refusals.
    /// </summary>
    private static async ValueTask<int> ReadBodyAsync(HttpRequest request, Memory<byte> buffer)
    {
        try
        {
            return await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted);
        }
        catch (IOException e) when (e is not BadHttpRequestException && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw new BadHttpRequestException("The request body could not be read: " + e.Message, StatusCodes.Status400BadRequest, e);
        }
    }

    private static IResult TooLarge() =>
        AdminProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Admin request bodies are limited to {MaxBytes} bytes.");
}

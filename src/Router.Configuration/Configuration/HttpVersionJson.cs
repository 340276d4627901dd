using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canary.Router.Configuration;

/// <summary>
/// A YARP cluster's <c>HttpRequest.Version</c> read the way YARP's own configuration reads it: <c>"2"</c> (as YARP's
/// documentation writes it) as well as <c>"2.0"</c>, <c>"1.1"</c>; System.Text.Json alone would refuse <c>"2"</c>.
/// Only the HTTP versions there are: anything else is a problem naming the value.
/// </summary>
internal sealed class HttpVersionJson : JsonConverter<Version>
{
    private static readonly Version[] Known = [new(1, 0), new(1, 1), new(2, 0), new(3, 0)];

    public override Version Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => reader.GetDouble().ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (text is not null && Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) && Known.Contains(version))
        {
            return version;
        }

        throw new JsonException($"HttpRequest.Version \"{text}\" is not an HTTP version: use \"1.1\", \"2\" or \"3\"");
    }

    public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString(2));
}

using System.Globalization;
using System.Text.Json;

namespace Canary.Router.Configuration;

/// <summary>
/// Reads one JSON object of router.json, matching keys case-insensitively as .NET configuration does,
/// recording a problem for each wrong type and, on <see cref="Complete"/>, for each key nobody asked for
/// (a typo must not silently fall back to a default).
/// </summary>
internal sealed class JsonSection
{
    private readonly Dictionary<string, JsonProperty> _properties = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ConfigProblem> _problems;

    public JsonSection(JsonElement element, string path, List<ConfigProblem> problems)
    {
        Path = path;
        _problems = problems;
        foreach (var repeated in Index(element, _properties))
        {
            problems.Add(new ConfigProblem($"{path}.{repeated}", null, RepeatedKey));
        }
    }

    public const string RepeatedKey = "is given more than once";

    /// <summary>
    /// An object's properties by name, ignoring case as every reader of the router's JSON does (router.json and the
    /// admin API alike); returns the names given more than once, which would otherwise silently keep the first value.
    /// </summary>
    public static List<string> Index(JsonElement element, Dictionary<string, JsonProperty> properties)
    {
        var repeated = new List<string>();
        foreach (var property in element.EnumerateObject())
        {
            if (!properties.TryAdd(property.Name, property))
            {
                repeated.Add(property.Name);
            }
        }

        return repeated;
    }

    public string Path { get; }

    /// <summary>Opens a JSON value as a section, or records a problem and returns null when it is not an object.</summary>
    public static JsonSection? Open(JsonElement element, string path, List<ConfigProblem> problems)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return new JsonSection(element, path, problems);
        }

        problems.Add(new ConfigProblem(path.Length == 0 ? "(the whole file)" : path, Describe(element), "must be an object"));
        return null;
    }

    public bool Has(string key) => TryGet(key, out _);

    public bool TryGet(string key, out JsonElement value)
    {
        _read.Add(key);
        if (_properties.TryGetValue(key, out var property) && property.Value.ValueKind != JsonValueKind.Null)
        {
            value = property.Value;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>A key's path as operators read it: <c>Router.Releases.shop.Weight</c> (the root has an empty path).</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public string? String(string key, string? fallback = null)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        Problem(key, value, "must be a string");
        return fallback;
    }

    public double Number(string key, double fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
        {
            return number;
        }

        Problem(key, value, "must be a number");
        return fallback;
    }

    public int Integer(string key, int fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        Problem(key, value, "must be a whole number");
        return fallback;
    }

    public long Long(string key, long fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        Problem(key, value, "must be a whole number");
        return fallback;
    }

    public bool Boolean(string key, bool fallback)
    {
        if (!TryGet(key, out var value))
        {
            return fallback;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Problem(key, value, "must be true or false");
        return fallback;
    }

    /// <summary>A list of strings; a single string is accepted as a list of one, as .NET configuration users expect.</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        if (!TryGet(key, out var value))
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Problem(key, value, "must be a list of strings");
            return [];
        }

        var list = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                list.Add(item.GetString()!);
            }
            else
            {
                _problems.Add(new ConfigProblem($"{PathOf(key)}[{index}]", Describe(item), "must be a string"));
            }

            index++;
        }

        return list;
    }

    public JsonSection? Section(string key) => TryGet(key, out var value) ? Open(value, PathOf(key), _problems) : null;

    /// <summary>Each element of a JSON array, with its path.</summary>
    public IEnumerable<(JsonElement Element, string Path)> Items(string key)
    {
        if (!TryGet(key, out var value))
        {
            yield break;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Problem(key, value, "must be a list");
            yield break;
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            yield return (item, $"{PathOf(key)}[{index++}]");
        }
    }

    /// <summary>Each property of a JSON object, with its path, in file order.</summary>
    public IEnumerable<(string Name, JsonElement Element, string Path)> Entries(string key)
    {
        if (!TryGet(key, out var value))
        {
            yield break;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Problem(key, value, "must be an object");
            yield break;
        }

        foreach (var property in value.EnumerateObject())
        {
            yield return (property.Name, property.Value, PathOf(key) + "." + property.Name);
        }
    }

    public void Problem(string key, JsonElement value, string message) =>
        _problems.Add(new ConfigProblem(PathOf(key), Describe(value), message));

    /// <summary>Reports every key of this object that no reader asked for.</summary>
    public void Complete()
    {
        foreach (var (name, property) in _properties)
        {
            if (!_read.Contains(name))
            {
                _problems.Add(new ConfigProblem(PathOf(property.Name), null, "is not a known key"));
            }
        }
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "\"" + value.GetString() + "\"",
        JsonValueKind.Object => "{...}",
        JsonValueKind.Array => "[...]",
        _ => value.GetRawText(),
    };

    public static string Describe(double value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Canary.Router.Configuration;

namespace Canary.Router.Admin;

/// <summary>What an admin key may do: <see cref="Viewer"/> reads, <see cref="Operator"/> reads and changes.</summary>
internal enum AdminRole
{
    Viewer,
    Operator,
}

/// <summary>Who presented a key: its name (named in the decision log) and its role.</summary>
internal sealed record AdminIdentity(string Name, AdminRole Role);

/// <summary>
/// The admin keys: the single <c>CANARY_ADMIN_KEY</c> (an operator key named <see cref="DefaultName"/>) and the named
/// keys of the file <c>CANARY_ADMIN_KEYS_FILE</c> names, each with a role. Compared in constant time, against every key
/// whatever matches, so response timing tells an attacker nothing about a guess. Keys themselves are never logged.
/// </summary>
internal sealed class AdminKey
{
    public const string EnvironmentVariable = "CANARY_ADMIN_KEY";
    public const string FileEnvironmentVariable = "CANARY_ADMIN_KEYS_FILE";

    /// <summary>The name the decision log gives the single <c>CANARY_ADMIN_KEY</c>.</summary>
    public const string DefaultName = "default";

    private readonly byte[][] _hashes;
    private readonly AdminIdentity[] _identities;

    public AdminKey(string? key)
        : this(key, [])
    {
    }

    /// <param name="key">The single operator key (may be null).</param>
    /// <param name="named">Named keys with roles.</param>
    public AdminKey(string? key, IReadOnlyList<(string Name, AdminRole Role, string Key)> named)
    {
        var keys = new List<(string Name, AdminRole Role, string Key)>(named);
        if (!string.IsNullOrEmpty(key))
        {
            keys.Insert(0, (DefaultName, AdminRole.Operator, key));
        }

        // Hashing both sides makes the comparison constant-time in the key's length too.
        _hashes = [.. keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)))];
        _identities = [.. keys.Select(k => new AdminIdentity(k.Name, k.Role))];
    }

    public bool IsConfigured => _hashes.Length > 0;

    /// <summary>The keys of the environment: <c>CANARY_ADMIN_KEY</c> and the file <c>CANARY_ADMIN_KEYS_FILE</c> names.</summary>
    /// <exception cref="ConfigException">The keys file is unreadable or has problems (each listed).</exception>
    public static AdminKey FromEnvironment() =>
        Load(Environment.GetEnvironmentVariable(EnvironmentVariable), Environment.GetEnvironmentVariable(FileEnvironmentVariable));

    /// <summary>
    /// The single key and the named keys of <paramref name="file"/>: a JSON array of
    /// <c>{"name": "ci", "role": "operator", "key": "..."}</c>; names and keys unique, role <c>viewer</c> or <c>operator</c>.
    /// </summary>
    /// <exception cref="ConfigException">The file is unreadable or has problems (each listed).</exception>
    public static AdminKey Load(string? key, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return new AdminKey(key);
        }

        var problems = new List<ConfigProblem>();
        var named = new List<(string Name, AdminRole Role, string Key)>();
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                problems.Add(new ConfigProblem("(root)", null, "must be an array of {\"name\", \"role\", \"key\"}"));
            }
            else
            {
                var index = 0;
                foreach (var entry in document.RootElement.EnumerateArray())
                {
                    if (Read(entry, $"[{index}]", problems) is { } read)
                    {
                        if (named.Any(n => n.Name == read.Name))
                        {
                            problems.Add(new ConfigProblem($"[{index}].name", $"\"{read.Name}\"", "is used by another key: names must be unique"));
                        }
                        else if (named.Any(n => n.Key == read.Key) || read.Key == key)
                        {
                            problems.Add(new ConfigProblem($"[{index}].key", null, "is the same as another key's: each key must name one holder"));
                        }
                        else
                        {
                            named.Add(read);
                        }
                    }

                    index++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(file, null, "cannot be read: " + e.Message));
        }
        catch (JsonException e)
        {
            problems.Add(new ConfigProblem($"line {e.LineNumber + 1}", null, "is not valid JSON: " + e.Message));
        }

        return problems.Count == 0 ? new AdminKey(key, named) : throw new ConfigException(file, problems);
    }

    /// <summary>The holder of the presented key, or null. Every key is compared, so the time does not depend on which matched.</summary>
    public AdminIdentity? Match(ReadOnlySpan<char> presented)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = new byte[Encoding.UTF8.GetByteCount(presented)];
        Encoding.UTF8.GetBytes(presented, bytes);
        SHA256.HashData(bytes, hash);
        var found = -1;
        for (var i = 0; i < _hashes.Length; i++)
        {
            // No early exit and a masked select rather than a branch; keys are unique, so at most one index matches.
            var mask = -(CryptographicOperations.FixedTimeEquals(hash, _hashes[i]) ? 1 : 0);
            found = (found & ~mask) | (i & mask);
        }

        return found < 0 ? null : _identities[found];
    }

    private static (string Name, AdminRole Role, string Key)? Read(JsonElement entry, string path, List<ConfigProblem> problems)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(path, null, "must be an object {\"name\", \"role\", \"key\"}"));
            return null;
        }

        string? Text(string field)
        {
            var value = entry.TryGetProperty(field, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add(new ConfigProblem($"{path}.{field}", null, "is required: a non-empty string"));
                return null;
            }

            return value;
        }

        foreach (var property in entry.EnumerateObject().Where(p => p.Name is not ("name" or "role" or "key")))
        {
            problems.Add(new ConfigProblem($"{path}.{property.Name}", null, "is not a known field (name, role, key)"));
        }

        var name = Text("name");
        var role = Text("role");
        var key = Text("key");
        AdminRole parsed = default;
        if (role is not null && !(Enum.TryParse(role, ignoreCase: true, out parsed) && Enum.IsDefined(parsed)))
        {
            problems.Add(new ConfigProblem($"{path}.role", $"\"{role}\"", "must be viewer or operator"));
            return null;
        }

        return name is null || role is null || key is null ? null : (name, parsed, key);
    }
}

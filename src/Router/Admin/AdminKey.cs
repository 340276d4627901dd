using System.Security.Cryptography;
using System.Text;

namespace Canary.Router.Admin;

/// <summary>
/// The operator's key, from <c>CANARY_ADMIN_KEY</c>. Compared in constant time, so response timing tells an
/// attacker nothing about how much of a guess was right. The key itself is never logged.
/// </summary>
internal sealed class AdminKey
{
    public const string EnvironmentVariable = "CANARY_ADMIN_KEY";

    private readonly byte[]? _hash;

    public AdminKey(string? key)
    {
        // Hashing both sides makes the comparison constant-time in the key's length too.
        _hash = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    public bool IsConfigured => _hash is not null;

    public static AdminKey FromEnvironment() => new(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public bool Matches(ReadOnlySpan<char> presented)
    {
        if (_hash is null)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = new byte[Encoding.UTF8.GetByteCount(presented)];
        Encoding.UTF8.GetBytes(presented, bytes);
        SHA256.HashData(bytes, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }
}

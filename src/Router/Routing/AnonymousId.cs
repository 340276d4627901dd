using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Canary.Router.Routing;

/// <summary>
/// The anonymous user's identity: a random id, signed with HMAC-SHA256 so that a user cannot pick a cohort
/// by editing the cookie. Cookie value: <c>{id}.{signature}</c>, both base64url. A cookie that fails the check
/// is ignored and replaced.
/// </summary>
internal sealed class AnonymousId
{
    private const int IdBytes = 16;
    private const int SignatureBytes = 16;
    private static readonly int IdChars = Base64Url.GetEncodedLength(IdBytes);
    private static readonly int SignatureChars = Base64Url.GetEncodedLength(SignatureBytes);

    private readonly byte[] _key;

    public AnonymousId(byte[] key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 32, nameof(key));
        _key = key;
    }

    private static int CookieLength => IdChars + 1 + SignatureChars;

    /// <summary>A new signed cookie value; its id is the part before the dot.</summary>
    public string Create()
    {
        Span<byte> id = stackalloc byte[IdBytes];
        RandomNumberGenerator.Fill(id);
        Span<char> value = stackalloc char[CookieLength];
        Base64Url.EncodeToChars(id, value[..IdChars]);
        value[IdChars] = '.';
        Sign(value[..IdChars], value[(IdChars + 1)..]);
        return new string(value);
    }

    /// <summary>The id of a well-formed, correctly signed cookie value; empty otherwise.</summary>
    public ReadOnlySpan<char> Verify(ReadOnlySpan<char> cookie)
    {
        if (cookie.Length != CookieLength || cookie[IdChars] != '.')
        {
            return default;
        }

        var id = cookie[..IdChars];
        Span<char> expected = stackalloc char[SignatureChars];
        Sign(id, expected);
        var given = MemoryMarshalBytes(cookie[(IdChars + 1)..]);
        var wanted = MemoryMarshalBytes(expected);
        return CryptographicOperations.FixedTimeEquals(given, wanted) ? id : default;
    }

    public static string IdOf(string cookie) => cookie[..IdChars];

    private void Sign(ReadOnlySpan<char> id, Span<char> signature)
    {
        Span<byte> idBytes = stackalloc byte[IdChars];
        Encoding.ASCII.GetBytes(id, idBytes);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, idBytes, mac);
        Base64Url.EncodeToChars(mac[..SignatureBytes], signature);
    }

    private static ReadOnlySpan<byte> MemoryMarshalBytes(ReadOnlySpan<char> chars) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(chars);
}

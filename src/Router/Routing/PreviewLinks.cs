using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Canary.Router.State;

namespace Canary.Router.Routing;

/// <summary>
/// Signed preview links: an operator's token that routes one browser to one version of one release until it expires.
/// Token and cookie value: <c>{release}~{version}~{expires unix seconds}~{signature}</c>, the signature the first 16
/// bytes of HMAC-SHA256 with the router's cookie key over <c>canary-preview</c> and the three fields (so no anonymous
/// cookie's signature can pass for one), base64url. A token that fails the check, or has expired, is ignored.
/// </summary>
internal sealed class PreviewLinks
{
    public const string CookieName = "canary_preview";

    public const int MinSeconds = 60;

    public const int MaxSeconds = 7 * 24 * 3600;

    private const char Separator = '~';
    private const int SignatureBytes = 16;
    private static readonly int SignatureChars = Base64Url.GetEncodedLength(SignatureBytes);
    private static readonly byte[] Purpose = "canary-preview\0"u8.ToArray();

    private readonly byte[] _key;

    public PreviewLinks(byte[] key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 32, nameof(key));
        _key = key;
    }

    /// <summary>A token for <paramref name="version"/> of <paramref name="release"/> until <paramref name="expires"/> (whole seconds).</summary>
    public string Create(string release, string version, DateTimeOffset expires)
    {
        var payload = string.Create(CultureInfo.InvariantCulture, $"{release}{Separator}{version}{Separator}{expires.ToUnixTimeSeconds()}");
        Span<char> signature = stackalloc char[SignatureChars];
        Sign(payload, signature);
        return $"{payload}{Separator}{signature}";
    }

    /// <summary>The release, version and expiry of a correctly signed, unexpired token; false otherwise.</summary>
    public bool TryRead(ReadOnlySpan<char> token, DateTimeOffset now, out Range release, out Range version, out DateTimeOffset expires)
    {
        release = version = default;
        expires = default;
        var last = token.LastIndexOf(Separator);
        if (last < 0 || token.Length - last - 1 != SignatureChars)
        {
            return false;
        }

        var payload = token[..last];
        var first = payload.IndexOf(Separator);
        var second = first < 0 ? -1 : payload[(first + 1)..].IndexOf(Separator) + first + 1;
        if (first <= 0 || second <= first + 1 || !long.TryParse(payload[(second + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        Span<char> expected = stackalloc char[SignatureChars];
        Sign(payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected), System.Runtime.InteropServices.MemoryMarshal.AsBytes(token[(last + 1)..])))
        {
            return false;
        }

        expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        release = new Range(0, first);
        version = new Range(first + 1, second);
        return now < expires;
    }

    /// <summary>
    /// The preview decision, ahead of segments: the request's preview cookie is valid, unexpired and for this release.
    /// The clock is read only when there is such a cookie.
    /// </summary>
    public bool TryMatch(ReleaseState state, HttpContext context, TimeProvider time, out CohortDecision decision)
    {
        decision = default;
        if (context.Request.Cookies[CookieName] is not { } cookie
            || !TryRead(cookie, time.GetUtcNow(), out var release, out var version, out _)
            || !cookie.AsSpan()[release].SequenceEqual(state.Name))
        {
            return false;
        }

        var wanted = cookie.AsSpan()[version];
        var name = wanted.SequenceEqual(state.Stable) ? state.Stable
            : state.Canary is { } canary && wanted.SequenceEqual(canary) ? canary
            : wanted.ToString();
        decision = new CohortDecision(name, CohortReason.Preview);
        return true;
    }

    private void Sign(ReadOnlySpan<char> payload, Span<char> signature)
    {
        var bytes = new byte[Purpose.Length + Encoding.UTF8.GetByteCount(payload)];
        Purpose.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(payload, bytes.AsSpan(Purpose.Length));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, bytes, mac);
        Base64Url.EncodeToChars(mac[..SignatureBytes], signature);
    }
}

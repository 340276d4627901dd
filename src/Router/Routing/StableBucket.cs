using System.Text;

namespace Canary.Router.Routing;

/// <summary>
/// bucket = hash(release, user key) mod 10000, the same on every replica, runtime and restart.
/// The hash is 64-bit FNV-1a over the UTF-8 bytes of the release name, a zero byte and the key, finished with
/// MurmurHash3's fmix64 so that keys differing in one character spread evenly. It is documented in the README so
/// other tools (an SDK, a log query) can compute the same bucket.
/// </summary>
internal static class StableBucket
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static int Of(string release, ReadOnlySpan<char> userKey)
    {
        var hash = Append(OffsetBasis, release);
        hash = (hash ^ 0) * Prime;
        hash = Append(hash, userKey);
        return (int)(Mix(hash) % (ulong)State.ReleaseState.BucketCount);
    }

    private static ulong Append(ulong hash, ReadOnlySpan<char> text)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80)
            {
                hash = (hash ^ c) * Prime;
                continue;
            }

            // Non-ASCII: hash the character's UTF-8 bytes; a lone surrogate becomes U+FFFD as UTF-8 encoders do.
            if (!Rune.TryCreate(c, out var rune))
            {
                rune = i + 1 < text.Length && Rune.TryCreate(c, text[i + 1], out var pair) ? pair : Rune.ReplacementChar;
                if (rune.Utf16SequenceLength == 2)
                {
                    i++;
                }
            }

            var count = rune.EncodeToUtf8(utf8);
            for (var b = 0; b < count; b++)
            {
                hash = (hash ^ utf8[b]) * Prime;
            }
        }

        return hash;
    }

    /// <summary>MurmurHash3's fmix64 finaliser (also the experiments' user hash's).</summary>
    internal static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}

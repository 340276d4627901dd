using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Canary.Router.Experiments;

/// <summary>
/// The 64-bit hash of a user key that the experiment's HyperLogLogs count. Deliberately not the cohort bucket's
/// hash: the bucket decides the version, so a sketch fed the same bits would see canary users clustered in a few
/// hash values. MurmurHash3-style 8-byte lanes over the key's UTF-16 code units, finished with fmix64; in-process
/// only (Redis's PFADD hashes for itself), so the byte order is the machine's.
/// </summary>
internal static class UserHash
{
    private const ulong Seed = 0x9E3779B97F4A7C15;
    private const ulong C1 = 0x87c37b91114253d5;
    private const ulong C2 = 0x4cf5ad432745937f;

    public static ulong Of(ReadOnlySpan<char> key)
    {
        var bytes = MemoryMarshal.AsBytes(key);
        var hash = Seed;
        while (bytes.Length >= 8)
        {
            hash ^= Lane(BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            hash = (BitOperations.RotateLeft(hash, 27) * 5) + 0x52dce729;
            bytes = bytes[8..];
        }

        if (!bytes.IsEmpty)
        {
            Span<byte> tail = stackalloc byte[8];
            tail.Clear();
            bytes.CopyTo(tail);
            hash ^= Lane(BinaryPrimitives.ReadUInt64LittleEndian(tail));
        }

        return Routing.StableBucket.Mix(hash ^ (ulong)key.Length);
    }

    private static ulong Lane(ulong k) => BitOperations.RotateLeft(k * C1, 31) * C2;
}

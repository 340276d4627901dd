using CsCheck;

namespace Canary.Router.FunctionalTests.Fuzz;

/// <summary>
/// Seeded samples of a CsCheck generator: the same inputs on every run and machine, so a failure names an input that
/// reproduces it, and a bounded count, so the suite's time is bounded too.
/// </summary>
internal static class Samples
{
    public static IEnumerable<(int Index, T Value)> Of<T>(Gen<T> gen, ulong seed, int count)
    {
        var pcg = new PCG(1, seed);
        for (var i = 0; i < count; i++)
        {
            yield return (i, gen.Generate(pcg, null, out _));
        }
    }

    /// <summary>Text a hostile client may send: ASCII, Latin-1, other scripts, emoji, control characters, surrogates.</summary>
    public static readonly Gen<string> AnyText = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 12],
        Gen.String[Gen.Char[' ', '~'], 0, 24],
        Gen.String[Gen.Char['\u0080', '\u00ff'], 1, 8],
        Gen.String[Gen.Char['\u0400', '\u04ff'], 1, 8],
        Gen.String[Gen.Char, 0, 8],
        Gen.OneOf("", ".", "..", "%2e%2e", "café", "☕", "😀", "\ud800", "a\u0000b", "\"", "\\", "{", "null", "1e400", "-0", "NaN"));

    /// <summary>A header value: text without CR or LF (a line break would make it another header or the body).</summary>
    public static readonly Gen<string> HeaderValue = AnyText.Select(t => t.Replace('\r', ' ').Replace('\n', ' '));
}

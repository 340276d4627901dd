namespace Canary.Router.Admin;

/// <summary>
/// An admin write's <c>If-Match</c> (RFC 9110 13.1.1): absent or <c>*</c> allows any revision; otherwise a list of
/// entity tags, compared strongly, so a weak tag (<c>W/"3"</c>) never allows a write.
/// </summary>
internal sealed class IfMatch
{
    private static readonly IfMatch Any = new([], any: true);

    private readonly long[] _revisions;
    private readonly bool _any;

    private IfMatch(long[] revisions, bool any)
    {
        _revisions = revisions;
        _any = any;
    }

    /// <summary>What the header said, for the refusal.</summary>
    public string Text { get; private init; } = "*";

    /// <summary>Parses the request's If-Match; false when it is not a valid field value.</summary>
    public static bool TryParse(HttpRequest request, out IfMatch precondition)
    {
        precondition = Any;
        var text = string.Join(", ", request.Headers.IfMatch.Where(v => !string.IsNullOrWhiteSpace(v))).Trim();
        if (text.Length == 0 || text == "*")
        {
            return true;
        }

        var revisions = new List<long>();
        var position = 0;
        while (position < text.Length)
        {
            var weak = string.CompareOrdinal(text, position, "W/", 0, 2) == 0;
            var open = weak ? position + 2 : position;
            var close = open < text.Length && text[open] == '"' ? text.IndexOf('"', open + 1) : -1;
            if (close < 0)
            {
                return false;
            }

            // A strong tag that is not a revision is well-formed and matches nothing; a weak one never matches a write.
            if (!weak && long.TryParse(text.AsSpan(open + 1, close - open - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var revision))
            {
                revisions.Add(revision);
            }

            position = close + 1;
            while (position < text.Length && text[position] is ' ' or '\t')
            {
                position++;
            }

            if (position < text.Length && text[position] != ',')
            {
                return false;
            }

            while (position < text.Length && text[position] is ',' or ' ' or '\t')
            {
                position++;
            }
        }

        precondition = new IfMatch([.. revisions], any: false) { Text = text };
        return true;
    }

    public bool Allows(long revision) => _any || _revisions.Contains(revision);
}

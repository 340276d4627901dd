namespace Canary.Router.Admin;

/// <summary>Reads If-Match as a release revision: absent or <c>*</c> means any revision.</summary>
internal static class IfMatch
{
    public static bool TryParse(HttpRequest request, out long? revision)
    {
        revision = null;
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return true;
        }

        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        if (tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"' && long.TryParse(tag.AsSpan(1, tag.Length - 2), out var parsed))
        {
            revision = parsed;
            return true;
        }

        return false;
    }
}

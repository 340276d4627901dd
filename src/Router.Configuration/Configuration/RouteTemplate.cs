namespace Canary.Router.Configuration;

/// <summary>
/// Whether ASP.NET Core's route pattern parser (which YARP's validator runs on a route's Path) accepts a template,
/// decided without ASP.NET Core. Only the answer matters: YARP's problem names the path, not the parser's reason. A
/// property test in Router.Tests compares it with <c>RoutePatternFactory.Parse</c> over generated templates.
/// </summary>
internal static class RouteTemplate
{
    private const string BadNameChars = "/{}?*";

    private readonly record struct Part(bool IsParameter, string Text, bool CatchAll, bool Optional);

    public static bool IsValid(string pattern)
    {
        string text;
        if (pattern.StartsWith("~/", StringComparison.Ordinal))
        {
            text = pattern[2..];
        }
        else if (pattern.StartsWith('/'))
        {
            text = pattern[1..];
        }
        else if (pattern.StartsWith('~'))
        {
            return false;
        }
        else
        {
            text = pattern;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var segments = new List<List<Part>>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '/')
            {
                return false; // two separators in a row
            }

            var parts = new List<Part>();
            while (i < text.Length && text[i] != '/')
            {
                var parsed = text[i] == '{' && i + 1 < text.Length && text[i + 1] != '{'
                    ? Parameter(text, ref i, names)
                    : Literal(text, ref i);
                if (parsed is not { } part)
                {
                    return false;
                }

                parts.Add(part);
            }

            if (!SegmentIsValid(parts))
            {
                return false;
            }

            segments.Add(parts);
            i++; // past the separator (a trailing one ends the template)
        }

        // A catch-all only as the last part of the last segment.
        return !segments.SelectMany((parts, s) => parts.Select((p, j) => (p, Last: s == segments.Count - 1 && j == parts.Count - 1)))
            .Any(x => x.p.CatchAll && !x.Last);
    }

    /// <summary>A literal from <paramref name="i"/> to the next separator or parameter; braces only doubled.</summary>
    private static Part? Literal(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && text[i] != '/')
        {
            var c = text[i];
            if (c is '{' or '}')
            {
                if (i + 1 >= text.Length)
                {
                    return null; // a lone brace at the end
                }

                if (text[i + 1] != c)
                {
                    if (c == '}')
                    {
                        return null; // a close brace that closes nothing
                    }

                    break; // a parameter starts
                }

                i += 2;
                continue;
            }

            i++;
        }

        var literal = text[start..i].Replace("}}", "}", StringComparison.Ordinal).Replace("{{", "{", StringComparison.Ordinal);
        return literal.Contains('?', StringComparison.Ordinal) ? null : new Part(false, literal, false, false);
    }

    /// <summary>A parameter from its '{' to its '}' (braces inside it doubled), then its name, kind and default checked.</summary>
    private static Part? Parameter(string text, ref int i, HashSet<string> names)
    {
        var start = i;
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                return null; // never closed
            }

            var c = text[i];
            if (c == '{')
            {
                if (i + 1 >= text.Length || text[i + 1] != '{')
                {
                    return null; // an open brace inside a parameter must be doubled
                }

                i += 2;
                continue;
            }

            if (c == '}')
            {
                if (i + 1 < text.Length && text[i + 1] == '}')
                {
                    i += 2;
                    continue;
                }

                i++;
                break;
            }

            i++;
        }

        var inside = text[(start + 1)..(i - 1)];
        if (inside.Length == 0)
        {
            return null;
        }

        var decoded = inside.Replace("}}", "}", StringComparison.Ordinal).Replace("{{", "{", StringComparison.Ordinal);
        var (name, catchAll, optional, hasDefault) = Describe(decoded);
        if ((decoded.StartsWith('*') && decoded.EndsWith('?')) || (optional && hasDefault)
            || name.Length == 0 || name.AsSpan().IndexOfAny(BadNameChars) >= 0 || !names.Add(name))
        {
            return null;
        }

        return new Part(true, name, catchAll, optional);
    }

    /// <summary>
    /// A parameter's inside (<c>**path</c>, <c>id:int</c>, <c>page=1</c>, <c>name?</c>): its name (up to the first ':'
    /// or '=' that is not its first character), whether it is a catch-all or optional, and whether it has a default
    /// (an '=' after the constraints; inside a constraint's parentheses ':' and '=' count only when no ')' follows).
    /// </summary>
    private static (string Name, bool CatchAll, bool Optional, bool HasDefault) Describe(string parameter)
    {
        var first = parameter.StartsWith("**", StringComparison.Ordinal) ? 2 : parameter.StartsWith('*') ? 1 : 0;
        var end = parameter.Length - 1;
        var optional = parameter[end] == '?';
        if (optional)
        {
            end--;
        }

        var catchAll = first > 0 && !optional;
        var at = first;
        while (at <= end && !(parameter[at] is ':' or '=' && at != first))
        {
            at++;
        }

        var name = first <= end ? parameter[first..Math.Min(at, end + 1)] : "";
        return (name, catchAll, optional, HasDefault(parameter, at <= end ? at - 1 : at, end));
    }

    /// <summary>From the character before the name's delimiter (ASP.NET Core's parser starts there too, so a name ending in '(' opens one).</summary>
    private static bool HasDefault(string text, int at, int end)
    {
        var inParentheses = false;
        for (; at <= end; at++)
        {
            var c = text[at];
            if (!inParentheses)
            {
                if (c == '=')
                {
                    return true;
                }

                inParentheses = c == '(';
            }
            else if (c == ')')
            {
                if (at == end)
                {
                    return false;
                }

                if (text[at + 1] == '=')
                {
                    return true;
                }

                // A ')' closes only before ':' (the next constraint) or '='; otherwise it is part of the argument.
                inParentheses = text[at + 1] != ':';
            }
            else if (c is ':' or '=')
            {
                var close = text.IndexOf(')', at + 1);
                if (close == -1)
                {
                    if (c == '=')
                    {
                        return true;
                    }

                    inParentheses = false;
                }
                else
                {
                    at = close; // the argument runs to that ')', which is consumed with it
                }
            }
        }

        return false;
    }

    private static bool SegmentIsValid(List<Part> parts)
    {
        if (parts.Count > 1 && parts.Any(p => p.CatchAll))
        {
            return false;
        }

        for (var j = 0; j < parts.Count; j++)
        {
            if (parts[j].Optional && parts.Count > 1 && (j != parts.Count - 1 || parts[j - 1].IsParameter || parts[j - 1].Text != "."))
            {
                return false; // in a segment of several parts only a last optional parameter, after a '.'
            }

            if (j > 0 && parts[j].IsParameter && parts[j - 1].IsParameter)
            {
                return false;
            }
        }

        return true;
    }
}

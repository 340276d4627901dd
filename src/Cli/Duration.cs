using System.Globalization;
using System.Text.RegularExpressions;

namespace Canary.Cli;

/// <summary>Durations as deploy scripts write them: <c>15m</c>, <c>90s</c>, <c>1h30m</c>, <c>500ms</c>, <c>2.5s</c>, a plain number of seconds, or <c>hh:mm:ss</c>.</summary>
internal static partial class Duration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return Valid(TimeSpan.FromSeconds(seconds), out duration);
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && Valid(parsed, out duration);
        }

        var match = Parts().Match(text);
        if (!match.Success || match.Length == 0)
        {
            return false;
        }

        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = part.Value.TrimStart("0123456789.".ToCharArray());
            var number = double.Parse(part.Value[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture);
            total += unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => TimeSpan.FromDays(number),
            };
        }

        return Valid(total, out duration);
    }

    public static string Show(TimeSpan duration) =>
        duration.TotalSeconds < 60 ? Json.Invariant(Math.Round(duration.TotalSeconds, 1)) + "s" : duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);

    private static bool Valid(TimeSpan parsed, out TimeSpan duration)
    {
        duration = parsed;
        return parsed > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$")]
    private static partial Regex Parts();
}

using System.CommandLine;

namespace Canary.Cli.Commands;

/// <summary>Options several commands share, each defined once.</summary>
internal static class Options
{
    public static Option<TimeSpan> Interval() => new("--interval")
    {
        Description = "How often to poll the router (e.g. 1s, 500ms)",
        HelpName = "DURATION",
        DefaultValueFactory = _ => TimeSpan.FromSeconds(1),
        CustomParser = result => DurationOf(result, result.Tokens[0].Value),
    };

    public static Option<string?> IfMatch() => new("--if-match")
    {
        Description = "Apply only if the release is still at this revision (status shows it); 412 and exit 3 otherwise",
        HelpName = "REV",
    };

    public static Argument<string> Release() => new("release") { Description = "The release's name in router.json" };

    public static TimeSpan DurationOf(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        if (Duration.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"'{text}' is not a duration (e.g. 15m, 90s, 1h30m, 500ms)");
        return default;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Canary.Cli.Commands;

/// <summary>What reaches end users: <c>notice set|clear</c> (the banner of a release's pages) and <c>preview</c> (a signed link to a version).</summary>
internal static class UserCommands
{
    public static IEnumerable<Command> Create(CommonOptions common, CliRuntime runtime)
    {
        yield return Notice(common, runtime);
        yield return Preview(common, runtime);
    }

    private static Command Notice(CommonOptions common, CliRuntime runtime)
    {
        var release = Options.Release();
        var message = new Option<string>("--message") { Description = "What users read (at most 500 characters)", HelpName = "TEXT", Required = true };
        var from = TimeOption("--from", "When it starts: a time (2026-12-02T22:00Z) or a delay from now (2h); now by default", required: false);
        var until = TimeOption("--until", "When it ends: a time or a duration from now (e.g. 3h)", required: true);
        var ifMatch = Options.IfMatch();
        var set = new Command("set", "Schedule the release's notice to its users, replacing any") { release, message, from, until, ifMatch };
        set.SetAction((parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var body = new JsonObject
            {
                ["message"] = parse.GetValue(message),
                ["from"] = (parse.GetValue(from) ?? When.Now).At(now).ToString("O", CultureInfo.InvariantCulture),
                ["until"] = parse.GetValue(until)!.At(now).ToString("O", CultureInfo.InvariantCulture),
            };
            return SendAsync(runtime, parse, common, HttpMethod.Put, parse.GetValue(release)!, "notice", body, parse.GetValue(ifMatch), "notice set", cancellationToken);
        });

        var clearRelease = Options.Release();
        var clearIfMatch = Options.IfMatch();
        var clear = new Command("clear", "Remove the release's notice") { clearRelease, clearIfMatch };
        clear.SetAction((parse, cancellationToken) => SendAsync(runtime, parse, common, HttpMethod.Delete, parse.GetValue(clearRelease)!, "notice", null,
            parse.GetValue(clearIfMatch), "notice cleared", cancellationToken));
        return new Command("notice", "A message to a release's end users for a time (GET /canary/notice; SampleSpa shows it as a banner)") { set, clear };
    }

    private static Command Preview(CommonOptions common, CliRuntime runtime)
    {
        var release = Options.Release();
        var version = new Argument<string>("version") { Description = "The version to preview (any version of the release)" };
        var expires = new Option<TimeSpan>("--expires")
        {
            Description = "How long the link works (1m to 7d)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => TimeSpan.FromHours(1),
            CustomParser = result => Options.DurationOf(result, result.Tokens[0].Value),
        };
        var origin = new Option<Uri?>("--public-url")
        {
            Description = "The public origin users reach (behind a load balancer); the router's own listener by default",
            HelpName = "URL",
            CustomParser = result =>
            {
                var text = result.Tokens[0].Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                {
                    return uri;
                }

                result.AddError($"'{text}' is not an absolute http:// or https:// URL");
                return null;
            },
        };
        var command = new Command("preview", "A signed link that routes the browser opening it to a version until it expires") { release, version, expires, origin };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            var body = new JsonObject { ["version"] = parse.GetValue(version), ["expiresIn"] = (int)Math.Ceiling(parse.GetValue(expires).TotalSeconds) };
            var (link, _) = await context.Admin.SendAsync(HttpMethod.Post, AdminClient.ReleasePath(parse.GetValue(release)!, "previews"), body, null, cancellationToken);
            if (parse.GetValue(origin) is { } publicUrl)
            {
                link["url"] = new Uri(publicUrl, link["path"]!.GetValue<string>()).ToString();
            }

            if (context.IsJson)
            {
                context.WriteJson(link);
            }
            else
            {
                await runtime.Out.WriteLineAsync(link["url"]?.GetValue<string>() ?? link["path"]!.GetValue<string>());
                await runtime.Error.WriteLineAsync($"preview of {link["version"]} until {link["expires"]}: whoever opens it gets that version");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<When?> TimeOption(string name, string description, bool required) => new(name)
    {
        Description = description,
        HelpName = "TIME|DURATION",
        Required = required,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return new When(time, null);
            }

            if (Duration.TryParse(text, out var delay))
            {
                return new When(null, delay);
            }

            result.AddError($"'{text}' is neither a time (2026-12-02T22:00Z) nor a duration (e.g. 3h, 90m)");
            return null;
        },
    };

    private static async Task<int> SendAsync(CliRuntime runtime, ParseResult parse, CommonOptions common, HttpMethod method, string release, string action,
        JsonObject? body, string? ifMatch, string done, CancellationToken cancellationToken)
    {
        using var context = new CliContext(runtime, parse, common);
        var (state, _) = await context.Admin.SendAsync(method, AdminClient.ReleasePath(release, action), body, ifMatch, cancellationToken);
        if (context.IsJson)
        {
            context.WriteJson(state);
        }
        else
        {
            var notice = state["notice"] as JsonObject;
            await runtime.Out.WriteLineAsync($"{done}: {Render.StateLine(state.AsObject())}"
                + (notice is null ? "" : $"; notice \"{notice["message"]}\" from {notice["from"]} until {notice["until"]}{(notice["active"]?.GetValue<bool>() == true ? " (showing now)" : "")}"));
        }

        return ExitCodes.Ok;
    }
}

/// <summary>A time as given: absolute, or a delay from the moment the command runs.</summary>
internal sealed record When(DateTimeOffset? Time, TimeSpan? Delay)
{
    public static readonly When Now = new(null, TimeSpan.Zero);

    public DateTimeOffset At(DateTimeOffset now) => Time?.ToUniversalTime() ?? now + Delay!.Value;
}

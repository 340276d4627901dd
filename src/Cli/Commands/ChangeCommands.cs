using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Canary.Cli.Commands;

/// <summary>The writes: weight, promote, rollback, pause, resume, switch, drain, undrain. Each prints the release as it is after the change.</summary>
internal static class ChangeCommands
{
    public static IEnumerable<Command> Create(CommonOptions common, CliRuntime runtime)
    {
        yield return Weight(common, runtime);
        yield return Action(common, runtime, "promote", "The canary becomes stable and serves every user");
        yield return Action(common, runtime, "rollback", "Every user back on stable (weight 0, phase RolledBack) until an operator acts");
        yield return Action(common, runtime, "pause", "Hold the release's steps where they are (the guard keeps watching)");
        yield return Action(common, runtime, "resume", "Continue paused steps; after a rollback, start the steps over");
        yield return Action(common, runtime, "switch", "Blue-green: every user to the other version at once, after its health check");
        yield return Drain(common, runtime, "drain", "Rolling: no new requests to a destination; in-flight ones complete");
        yield return Drain(common, runtime, "undrain", "The destination takes new requests again");
    }

    private static Command Weight(CommonOptions common, CliRuntime runtime)
    {
        var release = Options.Release();
        var percent = new Argument<double>("percent")
        {
            Description = "Percent of users on the canary, 0..100 (decimals allowed; a trailing % is fine)",
            CustomParser = result =>
            {
                var text = result.Tokens[0].Value.TrimEnd('%');
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }

                result.AddError($"'{result.Tokens[0].Value}' is not a percent (e.g. 10 or 12.5)");
                return 0;
            },
        };
        var ifMatch = Options.IfMatch();
        var command = new Command("weight", "Set the percent of users on the canary (pauses running steps)") { release, percent, ifMatch };
        command.SetAction((parse, cancellationToken) => SendAsync(runtime, parse, common, HttpMethod.Put, parse.GetValue(release)!, "weight",
            new JsonObject { ["weight"] = parse.GetValue(percent) }, parse.GetValue(ifMatch), cancellationToken));
        return command;
    }

    private static Command Action(CommonOptions common, CliRuntime runtime, string action, string description)
    {
        var release = Options.Release();
        var ifMatch = Options.IfMatch();
        var command = new Command(action, description) { release, ifMatch };
        command.SetAction((parse, cancellationToken) =>
            SendAsync(runtime, parse, common, HttpMethod.Post, parse.GetValue(release)!, action, null, parse.GetValue(ifMatch), cancellationToken));
        return command;
    }

    private static Command Drain(CommonOptions common, CliRuntime runtime, string action, string description)
    {
        var release = Options.Release();
        var route = new Option<string>("--route") { Description = "The route's name in router.json (e.g. api)", HelpName = "ROUTE", Required = true };
        var destination = new Option<string>("--destination") { Description = "The destination's address (e.g. http://10.0.0.5:8080)", HelpName = "URL", Required = true };
        var ifMatch = Options.IfMatch();
        var command = new Command(action, description) { release, route, destination, ifMatch };
        command.SetAction((parse, cancellationToken) => SendAsync(runtime, parse, common, HttpMethod.Post, parse.GetValue(release)!, action,
            new JsonObject { ["route"] = parse.GetValue(route), ["destination"] = parse.GetValue(destination) }, parse.GetValue(ifMatch), cancellationToken));
        return command;
    }

    private static async Task<int> SendAsync(CliRuntime runtime, ParseResult parse, CommonOptions common, HttpMethod method, string release, string action,
        JsonObject? body, string? ifMatch, CancellationToken cancellationToken)
    {
        using var context = new CliContext(runtime, parse, common);
        var (state, _) = await context.Admin.SendAsync(method, AdminClient.ReleasePath(release, action), body, ifMatch, cancellationToken);
        if (context.IsJson)
        {
            context.WriteJson(state);
        }
        else
        {
            await runtime.Out.WriteLineAsync($"{action}: {Render.StateLine(state.AsObject())}");
        }

        return ExitCodes.Ok;
    }
}

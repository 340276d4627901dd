using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Canary.Cli.Commands;

/// <summary><c>canary status [release] [--watch]</c>: every release as a table, or one release in full.</summary>
internal static class StatusCommand
{
    public static Command Create(CommonOptions common, CliRuntime runtime)
    {
        var release = new Argument<string?>("release") { Description = "One release in full (default: every release, one row each)", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch", "-w") { Description = "Poll until Ctrl-C; in json mode one JSON object per line" };
        var interval = Options.Interval();
        var command = new Command("status", "Show the releases: versions, weight, phase, steps, the guard's verdict and figures") { release, watch, interval };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            var name = parse.GetValue(release);
            if (!parse.GetValue(watch))
            {
                Show(context, await FetchAsync(context, name, cancellationToken));
                return ExitCodes.Ok;
            }

            return await WatchAsync(context, name, parse.GetValue(interval), cancellationToken);
        });
        return command;
    }

    /// <summary><c>{"releases": [...]}</c> for all, the release object for one: the admin API's own fields.</summary>
    private static async Task<JsonNode> FetchAsync(CliContext context, string? name, CancellationToken cancellationToken)
    {
        if (name is not null)
        {
            return await context.Admin.GetAsync(AdminClient.ReleasePath(name), cancellationToken);
        }

        var all = await context.Admin.GetAsync("/admin/releases", cancellationToken);
        return new JsonObject { ["releases"] = all }; // a parsed answer has no parent yet: no copy needed
    }

    private static void Show(CliContext context, JsonNode state)
    {
        if (context.IsJson)
        {
            context.WriteJson(state);
        }
        else
        {
            context.Runtime.Console.Write(View(state));
        }
    }

    private static IRenderable View(JsonNode state) =>
        state["releases"] is JsonArray releases ? Render.Releases(releases) : Render.Release(state.AsObject());

    private static async Task<int> WatchAsync(CliContext context, string? name, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            if (!context.IsJson && context.Runtime.Interactive)
            {
                await context.Runtime.Console.Live(View(await FetchAsync(context, name, cancellationToken))).StartAsync(async live =>
                {
                    while (true)
                    {
                        await Task.Delay(interval, cancellationToken);
                        if (await PollAsync(context, name, cancellationToken) is { } state)
                        {
                            live.UpdateTarget(View(state)); // an unreachable poll keeps the last view on screen
                        }
                    }
                });
            }

            while (true)
            {
                if (await PollAsync(context, name, cancellationToken) is { } state)
                {
                    if (context.IsJson)
                    {
                        context.WriteJsonLine(Stamped(state));
                    }
                    else
                    {
                        context.Runtime.Console.MarkupLine($"[grey]{DateTimeOffset.UtcNow:HH:mm:ss}Z[/]");
                        context.Runtime.Console.Write(View(state));
                    }
                }

                await Task.Delay(interval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl-C is how a watch ends.
        }
    }

    /// <summary>One poll; an unreachable router is reported and polled again (it may be restarting), anything else ends the watch.</summary>
    private static async Task<JsonNode?> PollAsync(CliContext context, string? name, CancellationToken cancellationToken)
    {
        try
        {
            return await FetchAsync(context, name, cancellationToken);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.Unreachable)
        {
            await context.Runtime.Error.WriteLineAsync($"warning: {e.Message}; retrying");
            return null;
        }
    }

    /// <summary>A watched state with the time it was read, so a line of the stream stands on its own.</summary>
    private static JsonObject Stamped(JsonNode state)
    {
        var line = new JsonObject { ["time"] = DateTimeOffset.UtcNow };
        foreach (var (key, value) in state.AsObject())
        {
            line[key] = value?.DeepClone();
        }

        return line;
    }
}

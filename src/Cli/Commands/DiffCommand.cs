using System.CommandLine;
using System.Text.Json.Nodes;

namespace Canary.Cli.Commands;

/// <summary><c>canary diff router.json</c>: what applying the file would change in the running state, against <c>GET /admin/releases</c>.</summary>
internal static class DiffCommand
{
    public static Command Create(CommonOptions common, CliRuntime runtime)
    {
        var file = ValidateCommand.ConfigFile();
        var exitCode = new Option<bool>("--exit-code") { Description = $"Exit {ExitCodes.Differences} when there are differences (as git diff --exit-code)" };
        var command = new Command("diff", "What applying a router.json would change in the running router: releases added or removed, versions, weight, steps, segments, guard, routes")
        {
            file, exitCode,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            var path = parse.GetValue(file)!;
            var (options, problems) = ConfigCheck.Run(path);
            if (options is null)
            {
                if (context.IsJson)
                {
                    context.WriteJson(new JsonObject { ["file"] = path, ["valid"] = false, ["problems"] = ValidateCommand.Problems(problems), ["changes"] = new JsonArray() });
                }
                else
                {
                    await ValidateCommand.WriteProblemsAsync(runtime.Error, path, problems);
                    await runtime.Error.WriteLineAsync("The router would refuse this file; nothing would change.");
                }

                return ExitCodes.InvalidConfig;
            }

            var running = (JsonArray)await context.Admin.GetAsync("/admin/releases", cancellationToken);
            var changes = ReleaseDiff.Compute(options, running);
            if (context.IsJson)
            {
                context.WriteJson(new JsonObject
                {
                    ["file"] = path,
                    ["valid"] = true,
                    ["problems"] = new JsonArray(),
                    ["changes"] = new JsonArray([.. changes.Select(c => (JsonNode)c.ToJson())]),
                });
            }
            else
            {
                await WriteAsync(runtime.Out, path, context.Admin.BaseAddress, running.Count, changes);
            }

            return changes.Count > 0 && parse.GetValue(exitCode) ? ExitCodes.Differences : ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteAsync(TextWriter writer, string path, Uri router, int running, List<DiffChange> changes)
    {
        await writer.WriteLineAsync($"{path} against {router} ({running} release(s) running): {changes.Count} change(s)");
        foreach (var change in changes)
        {
            await writer.WriteLineAsync(change.Change switch
            {
                DiffChange.Added => $"+ {change.Release}: new release (stable {change.File.Str("stable")}, canary {change.File.Str("canary") ?? "-"}, weight {Json.Percent(change.File.Num("weight"))})",
                DiffChange.Removed => $"- {change.Release}: not in the file; the router would stop routing it",
                _ => $"~ {change.Release}.{change.Field}: {Show(change.Running)} -> {Show(change.File)}",
            });
        }

        if (changes.Any(c => c.Field is "stable" or "canary"))
        {
            await writer.WriteLineAsync("Note: other versions make a new release, which starts from the file's values (weight, steps) and leaves the operator's changes behind.");
        }
        else if (changes.Any(c => c.Field == "weight"))
        {
            await writer.WriteLineAsync("Note: with the same versions, the operator's weight stays unless the file's Weight itself was edited since.");
        }
    }

    private static string Show(JsonNode? value) => value switch
    {
        null => "(none)",
        JsonValue v when v.TryGetValue<double>(out var number) => Json.Invariant(number),
        JsonValue v => v.ToString(),
        _ => value.ToJsonString(Json.Compact),
    };
}

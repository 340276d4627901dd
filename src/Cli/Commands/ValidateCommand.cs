using System.CommandLine;
using System.Text.Json.Nodes;
using Canary.Router.Configuration;

namespace Canary.Cli.Commands;

/// <summary><c>canary validate router.json</c>: the router's own validator, for CI before a deploy. Needs no router.</summary>
internal static class ValidateCommand
{
    public static Command Create(CommonOptions common, CliRuntime runtime)
    {
        var file = ConfigFile();
        var command = new Command("validate", $"Check a router.json with the router's own validator; every problem listed, exit {ExitCodes.InvalidConfig} when there are any") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(runtime, parse, common);
            var path = parse.GetValue(file)!;
            var (options, problems) = ConfigCheck.Run(path);
            if (context.IsJson)
            {
                context.WriteJson(new JsonObject
                {
                    ["file"] = path,
                    ["valid"] = problems.Count == 0,
                    ["releases"] = new JsonArray([.. (options?.Releases ?? []).Select(r => (JsonNode?)JsonValue.Create(r.Name))]),
                    ["problems"] = Problems(problems),
                });
            }
            else if (problems.Count == 0)
            {
                await runtime.Out.WriteLineAsync($"{path} is valid: {options!.Releases.Count} release(s) ({string.Join(", ", options.Releases.Select(r => r.Name))})");
            }
            else
            {
                await WriteProblemsAsync(runtime.Out, path, problems);
            }

            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.InvalidConfig;
        });
        return command;
    }

    public static Argument<string> ConfigFile() => new("file") { Description = "Path to a router.json" };

    public static JsonArray Problems(IReadOnlyList<ConfigProblem> problems) =>
        [.. problems.Select(p => (JsonNode)new JsonObject { ["path"] = p.Path, ["value"] = p.Value, ["message"] = p.Message })];

    /// <summary>The same listing the router prints when it refuses a file at start.</summary>
    public static async Task WriteProblemsAsync(TextWriter writer, string path, IReadOnlyList<ConfigProblem> problems)
    {
        await writer.WriteLineAsync($"{path} has {problems.Count} problem(s):");
        foreach (var problem in problems)
        {
            await writer.WriteLineAsync("  " + problem);
        }
    }
}

using System.CommandLine;
using System.Text.Json.Nodes;
using Canary.Cli.Commands;

namespace Canary.Cli;

/// <summary>
/// The <c>canary</c> command line: parses, runs one command, and turns every failure into a message and a
/// documented exit code (<see cref="ExitCodes"/>). Streams and environment are parameters so tests run it in-process.
/// </summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var runtime = new CliRuntime(stdout, stderr, environment);
        var common = new CommonOptions();
        var root = Build(common, runtime);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("error: " + error.Message);
            }

            await stderr.WriteLineAsync($"Run '{Name} {string.Join(' ', CommandPath(parse))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl-C arrives as cancellationToken (Program.cs), so a watch can end with 0.
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (CliException e)
        {
            await ReportAsync(stderr, parse.GetValue(common.Output) == OutputFormat.Json, e);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("interrupted");
            return ExitCodes.Interrupted;
        }
    }

    public const string Name = "canary";

    private static RootCommand Build(CommonOptions common, CliRuntime runtime)
    {
        var root = new RootCommand("canary: operate a Canary router from a shell or a deploy pipeline. "
            + $"Reads {CommonOptions.UrlVariable} and {CommonOptions.KeyVariable}; --output json on every command.")
        {
            HelpName = Name, // the same in help whether run as the tool, the built binary or in-process
        };
        common.AddTo(root);
        root.Subcommands.Add(StatusCommand.Create(common, runtime));
        foreach (var command in ChangeCommands.Create(common, runtime))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in UserCommands.Create(common, runtime))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(EventsCommand.Create(common, runtime));
        root.Subcommands.Add(WaitCommand.Create(common, runtime));
        root.Subcommands.Add(ValidateCommand.Create(common, runtime));
        root.Subcommands.Add(DiffCommand.Create(common, runtime));
        return root;
    }

    private static Stack<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            names.Push(result.Command.Name);
        }

        return names;
    }

    /// <summary>The failure on stderr: the router's problem (status, title, detail, field errors) when it sent one. Never the key.</summary>
    private static async Task ReportAsync(TextWriter stderr, bool json, CliException e)
    {
        if (json)
        {
            await stderr.WriteLineAsync(new JsonObject
            {
                ["error"] = new JsonObject { ["exitCode"] = e.ExitCode, ["message"] = e.Message, ["problem"] = e.Problem?.ToJson() },
            }.ToJsonString(Json.Indented));
            return;
        }

        await stderr.WriteLineAsync("error: " + e.Message);
        if (e.Problem is { } problem)
        {
            if (problem.Detail is not null)
            {
                await stderr.WriteLineAsync("  " + problem.Detail);
            }

            foreach (var (field, messages) in problem.Errors)
            {
                await stderr.WriteLineAsync($"  {field}: {string.Join("; ", messages)}");
            }
        }
    }
}

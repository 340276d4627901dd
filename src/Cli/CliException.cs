namespace Canary.Cli;

/// <summary>A failure the CLI reports and exits on: a message for people, the exit code, and the router's problem when it sent one.</summary>
internal sealed class CliException(int exitCode, string message, Problem? problem = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public Problem? Problem { get; } = problem;
}

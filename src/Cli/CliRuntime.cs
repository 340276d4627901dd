using Spectre.Console;

namespace Canary.Cli;

/// <summary>Where a run of the CLI reads and writes: its output streams and its environment (the real ones, or a test's).</summary>
internal sealed class CliRuntime
{
    public CliRuntime(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        Out = stdout;
        Error = stderr;
        Environment = environment;
        var terminal = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            // A pipe or a CI log has no width; tables should not wrap at 80 columns there.
            Console.Profile.Width = 200;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public Func<string, string?> Environment { get; }

    /// <summary>Spectre's console over <see cref="Out"/>, for tables and live views in text mode.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>True when a live view (redrawn in place) can be shown.</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive && Console.Profile.Capabilities.Ansi;
}

using Spectre.Console;

namespace Canary.Cli;

/// <summary>Where a run of the CLI reads and writes: its output streams and its environment (the real ones, or a test's).</summary>
internal sealed class CliRuntime
{
    private readonly Lazy<IAnsiConsole> _console;

    public CliRuntime(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        Out = stdout;
        Error = stderr;
        Environment = environment;
        // Made on first use: JSON output and help never pay for Spectre's start-up.
        _console = new Lazy<IAnsiConsole>(() =>
        {
            var terminal = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected;
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(stdout),
                Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            });
            if (!terminal)
            {
                // A pipe or a CI log has no width; tables should not wrap at 80 columns there.
                console.Profile.Width = 200;
            }

            return console;
        });
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public Func<string, string?> Environment { get; }

    /// <summary>Spectre's console over <see cref="Out"/>, for tables and live views in text mode.</summary>
    public IAnsiConsole Console => _console.Value;

    /// <summary>True when a live view (redrawn in place) can be shown.</summary>
    public bool Interactive => Console.Profile.Capabilities.Interactive && Console.Profile.Capabilities.Ansi;
}

using System.Text;
using System.Text.Json.Nodes;

namespace Canary.Cli.Tests.Support;

/// <summary>What one run of the CLI did: its exit code and everything it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonNode Json => JsonNode.Parse(Out) ?? throw new Xunit.Sdk.XunitException("stdout is not JSON: " + Out);

    /// <summary>Each line of stdout as one JSON object (the --watch / --follow format).</summary>
    public List<JsonObject> JsonLines => [.. Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>A writer a test may read while the CLI is still writing to it (a --follow run).</summary>
internal sealed class LockedWriter : TextWriter
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_gate)
        {
            _text.Append(buffer, index, count);
        }
    }
}

/// <summary>Runs <c>canary</c> in-process through its real entry point, with a given environment and no console.</summary>
internal static class CliRun
{
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, name => environment.GetValueOrDefault(name));
        return new CliResult(code, stdout.Text, stderr.Text);
    }

    /// <summary>Starts a run that ends when <paramref name="stop"/> is cancelled (a watch, a follow, a wait); its output is readable meanwhile.</summary>
    public static (Task<int> Exit, LockedWriter Out, LockedWriter Error) Start(IReadOnlyDictionary<string, string> environment, CancellationToken stop, params string[] args)
    {
        var stdout = new LockedWriter();
        var stderr = new LockedWriter();
        var exit = Task.Run(() => CliApp.RunAsync(args, stdout, stderr, name => environment.GetValueOrDefault(name), stop));
        return (exit, stdout, stderr);
    }

    public static Task EventuallyAsync(Func<bool> condition, TimeSpan within, Func<string> what) =>
        EventuallyAsync(() => Task.FromResult(condition()), within, what);

    /// <summary>Polls every 50 ms until <paramref name="condition"/> holds; fails after <paramref name="within"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {within.TotalSeconds} s: {what()}");
            }

            await Task.Delay(50);
        }
    }
}

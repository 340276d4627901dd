using System.Diagnostics;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>The result of running an external program.</summary>
internal sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Finds and runs programs the tests need from the machine (promtool, prometheus). A missing one fails the test with
/// how to install it: these tests never skip.
/// </summary>
internal static class ExternalTool
{
    public static string Require(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"'{name}' was not found on PATH. Install Debian's prometheus package (apt-get install -y prometheus), "
            + "which brings prometheus and promtool; ./test.sh installs it when missing.");
        return name;
    }

    public static async Task<ToolRun> RunAsync(string name, IEnumerable<string> arguments, string? workingDirectory = null, string? stdinFile = null)
    {
        var start = new ProcessStartInfo(Require(name))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdinFile is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdinFile is not null)
        {
            await using (var input = File.OpenRead(stdinFile))
            {
                await input.CopyToAsync(process.StandardInput.BaseStream);
            }

            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} {string.Join(' ', arguments)} did not finish in 60 s");
        }

        return new ToolRun(process.ExitCode, await output, await error);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Canary.Testing;

/// <summary>
/// A program the tests run as a real child process (the published router, the samples, the CLI, redis-server): its
/// output kept, SIGTERM as an orchestrator sends it, SIGKILL, exit codes. Every child is registered with a reaper, a
/// small shell that outlives the test host and kills what is left when the host dies (a hang timeout, a crash), so no
/// router or backend keeps running, and keeps its port, after a test run.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ConcurrentQueue<(bool Error, string Line)> _output = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiting = [];
    private volatile bool _disposed;

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>True once it ended, or once disposed.</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What it printed so far, standard output and error interleaved as they arrived.</summary>
    public string Output => string.Join('\n', _output.Select(o => o.Line));

    public string StandardOutput => string.Join('\n', _output.Where(o => !o.Error).Select(o => o.Line));

    public string StandardError => string.Join('\n', _output.Where(o => o.Error).Select(o => o.Line));

    /// <summary>The dotnet host running the tests, so children run on the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath!
        : "dotnet";

    /// <summary><c>dotnet DLL ARGS</c>, in the DLL's folder.</summary>
    public static ChildProcess StartDotnet(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        Start(DotnetHost, [dll, .. args], environment, Path.GetDirectoryName(dll), Path.GetFileNameWithoutExtension(dll));

    /// <param name="environment">Variables to set (a null value removes one the test host has).</param>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null, string? name = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment.Remove("ASPNETCORE_URLS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name ?? Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => child.Keep(e.Data, error: false);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data, error: true);
        process.Exited += (_, _) => child.FailWaiting();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName} {string.Join(' ', info.ArgumentList)}");
        }

        Reaper.Register(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The first line (printed before or after the call) that matches, e.g. Kestrel's "Now listening on".</summary>
    public Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiting)
        {
            foreach (var (_, line) in _output)
            {
                if (pattern.Match(line) is { Success: true } match)
                {
                    return Task.FromResult(match);
                }
            }

            if (_process.HasExited)
            {
                return Task.FromException<Match>(Exited());
            }

            _waiting.Add((pattern, found));
        }

        return found.Task.WaitAsync(timeout);
    }

    /// <summary>The address Kestrel says it listens on.</summary>
    public async Task<Uri> ListeningAddressAsync(TimeSpan timeout) =>
        new((await WaitForLineAsync(ListeningLine(), timeout)).Groups[1].Value);

    /// <summary>Waits for the process to end on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit(); // the output's last lines
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod; SIGKILL if it has not exited within <paramref name="grace"/>. Its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
            try
            {
                return await WaitForExitAsync(grace);
            }
            catch (TimeoutException)
            {
                KillNow();
            }
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to it and its children: a crash, nothing flushed.</summary>
    public void KillNow()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }

        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return ValueTask.CompletedTask;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            KillNow();
        }

        Reaper.Unregister(_process.Id);
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (https?://\S+)")]
    private static partial Regex ListeningLine();

    private void Keep(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiting)
        {
            _output.Enqueue((error, line));
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                if (_waiting[i].Pattern.Match(line) is { Success: true } match)
                {
                    _waiting[i].Found.TrySetResult(match);
                    _waiting.RemoveAt(i);
                }
            }
        }
    }

    private void FailWaiting()
    {
        lock (_waiting)
        {
            foreach (var (_, found) in _waiting)
            {
                found.TrySetException(Exited());
            }

            _waiting.Clear();
        }
    }

    private InvalidOperationException Exited() => new($"{Name} exited. Its output:\n{Output}");

    /// <summary>
    /// One shell per test host: it polls the host every second and, once the host is gone, SIGKILLs every child still
    /// listed (and their children). Children that ended are taken off the list.
    /// </summary>
    private static class Reaper
    {
        private static readonly Lock Gate = new();
        private static readonly HashSet<int> Live = [];
        private static readonly Lazy<string> ListFile = new(StartReaper);

        public static void Register(int pid)
        {
            lock (Gate)
            {
                Live.Add(pid);
                Save();
            }
        }

        public static void Unregister(int pid)
        {
            lock (Gate)
            {
                Live.Remove(pid);
                Save();
            }
        }

        private static void Save() =>
            File.WriteAllLines(ListFile.Value, Live.Select(p => p.ToString(CultureInfo.InvariantCulture)));

        private static string StartReaper()
        {
            var list = Path.Combine(Path.GetTempPath(), $"canary-test-children-{Environment.ProcessId}.txt");
            File.WriteAllText(list, "");
            var script = $$"""
                while kill -0 {{Environment.ProcessId}} 2>/dev/null; do sleep 1; done
                for p in $(cat '{{list}}'); do pkill -KILL -P "$p"; kill -KILL "$p"; done 2>/dev/null
                rm -f '{{list}}'
                """;
            // Its own session, so a signal to the test host's group does not reach it; no pipe of the host's kept open.
            var info = new ProcessStartInfo("setsid", ["sh", "-c", script])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var reaper = Process.Start(info) ?? throw new InvalidOperationException("could not start the child-process reaper");
            return list;
        }
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Canary.Browser.Tests.Infrastructure;

/// <summary>
/// A sample app (SampleApi, SampleSpa) started from its build output as a child process:
/// <c>dotnet &lt;dll&gt; --Version vN --urls http://127.0.0.1:0</c>. Its address is read from Kestrel's
/// "Now listening on" line, so no port is guessed; it is ready once /healthz answers.
/// </summary>
internal sealed partial class SampleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SampleProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>Without the trailing slash, as router.json lists destinations.</summary>
    public string Destination => Address.ToString().TrimEnd('/');

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<SampleProcess> StartAsync(string dll, string version)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--Version", version, "--urls", "http://127.0.0.1:0" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment.Remove("ASPNETCORE_URLS");

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sample = new SampleProcess(process, $"{Path.GetFileNameWithoutExtension(dll)} {version}");
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (sample._output)
            {
                sample._output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"{sample.Name} exited"));
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {info.FileName} {string.Join(' ', info.ArgumentList)}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            sample.Address = await listening.Task.WaitAsync(StartTimeout);
            await WaitHealthyAsync(sample);
            return sample;
        }
        catch (Exception e)
        {
            await sample.DisposeAsync();
            throw new InvalidOperationException($"{sample.Name} did not start ({e.Message}). Its output:\n{sample.Output}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        catch (TimeoutException)
        {
            // Left to the OS; the test run is ending anyway.
        }

        _process.Dispose();
    }

    private static async Task WaitHealthyAsync(SampleProcess sample)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(sample.Address, "/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                // Not listening yet, or too slow to answer on a loaded machine: ask again until the deadline.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{sample.Address}healthz did not answer 2xx");
            }

            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}

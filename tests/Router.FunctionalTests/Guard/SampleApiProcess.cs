using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;

namespace Canary.Router.FunctionalTests.Guard;

/// <summary>
/// The real SampleApi (src/SampleApi, built with the tests, same configuration) as a child process on 127.0.0.1 and
/// a port of its own: <c>dotnet Canary.SampleApi.dll --Version v2 --Instance ... --urls http://127.0.0.1:PORT</c>.
/// It can be stopped (SIGTERM, as an orchestrator does: in-flight requests complete) and started again on the same port,
/// and its faults changed at run time with <c>PUT /faults</c> on its own port.
/// </summary>
internal sealed class SampleApiProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lazy<string> Dll = new(FindDll);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly string[] _extraArgs;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private SampleApiProcess(string version, int port, string[] extraArgs)
    {
        Version = version;
        Port = port;
        _extraArgs = extraArgs;
    }

    public string Version { get; }

    public int Port { get; }

    /// <summary>The instance name the running process reports in <c>GET /api/version</c>.</summary>
    public string Instance { get; private set; } = "";

    /// <summary>As written in router.json: <c>http://127.0.0.1:PORT</c>.</summary>
    public string Address => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="version">The SampleApi's <c>--Version</c>.</param>
    /// <param name="instance">Its <c>--Instance</c>; defaults to the version and port.</param>
    /// <param name="args">More command-line configuration, e.g. <c>--Faults:LatencyMs=100</c>.</param>
    public static async Task<SampleApiProcess> StartAsync(string version, string? instance = null, params string[] args)
    {
        var sample = new SampleApiProcess(version, FreePort(), args);
        try
        {
            await sample.StartAgainAsync(instance ?? $"{version}-{sample.Port}");
            return sample;
        }
        catch
        {
            await sample.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts several side by side (a process start is mostly waiting); if one fails, the others are stopped.</summary>
    public static async Task<SampleApiProcess[]> StartManyAsync(params (string Version, string? Instance)[] samples)
    {
        var starting = samples.Select(s => StartAsync(s.Version, s.Instance)).ToList();
        try
        {
            return await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Starts the process (again) on the same port, and returns once <c>/healthz</c> answers and it has served a warm-up request.</summary>
    public async Task StartAgainAsync(string instance)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"SampleApi {Instance} on port {Port} is still running");
        }

        _process?.Dispose();
        Instance = instance;
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Dll.Value)!,
        };
        foreach (var arg in new[] { Dll.Value, "--Version", Version, "--Instance", instance, "--urls", Address }.Concat(_extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"SampleApi {instance} exited with {process.ExitCode} while starting:{Environment.NewLine}{Output}");
            }

            if (await IsHealthyAsync())
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"SampleApi {instance} did not answer /healthz on port {Port} within {StartTimeout}:{Environment.NewLine}{Output}");
            }

            await Task.Delay(50);
        }

        // The first requests of a fresh process are slow (JIT): warm it so the guard's p99 never sees them.
        for (var i = 0; i < 5; i++)
        {
            using var warm = await Http.GetAsync(new Uri(Address + "/api/version"));
        }
    }

    public async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Address + "/healthz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary><c>PUT /faults</c> on the sample's own port; null leaves a setting as it is.</summary>
    public async Task SetFaultsAsync(double? errorRate = null, int? latencyMs = null)
    {
        using var response = await Http.PutAsJsonAsync(new Uri(Address + "/faults"), new { errorRate, latencyMs });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Stops the process the way an orchestrator does: SIGTERM, so Kestrel stops listening and completes in-flight
    /// requests; a process still running after 15 s is killed.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
        }
        else
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public string Output => string.Join(Environment.NewLine, _output);

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 100)
        {
            _output.TryDequeue(out _);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host running the tests, so the sample runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? current
            : "dotnet";
    }

    /// <summary>src/SampleApi/bin/CONFIGURATION/TFM/Canary.SampleApi.dll beside the repository root (the folder of Canary.sln).</summary>
    private static string FindDll()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Canary.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No Canary.sln above {AppContext.BaseDirectory}");
        }

        var configuration = typeof(SampleApiProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(root.FullName, "src", "SampleApi", "bin", configuration, framework, "Canary.SampleApi.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"SampleApi is not built for {configuration}/{framework} (the test project references it, so building the tests builds it)", dll);
    }
}

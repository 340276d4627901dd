using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Canary.Testing;

/// <summary>
/// A sample app (src/SampleApi, src/SampleSpa, built with the tests in the same configuration) as a child process on
/// 127.0.0.1 and a port of its own: <c>dotnet Canary.SampleApi.dll --Version v2 --Instance ... --urls http://127.0.0.1:PORT</c>.
/// It can be stopped (SIGTERM, as an orchestrator does: in-flight requests complete) and started again on the same
/// port, and the SampleApi's faults changed at run time with <c>PUT /faults</c> on its own port.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly string _dll;
    private readonly string[] _extraArgs;
    private readonly string? _warmUpPath;
    private ChildProcess? _process;

    private SampleProcess(string dll, string version, string[] extraArgs, string? warmUpPath)
    {
        _dll = dll;
        Version = version;
        Port = Ports.Free();
        _extraArgs = extraArgs;
        _warmUpPath = warmUpPath;
    }

    public string Name => $"{Path.GetFileNameWithoutExtension(_dll)} {Instance}";

    public string Version { get; }

    public int Port { get; }

    /// <summary>The instance name the running process reports in <c>GET /api/version</c>.</summary>
    public string Instance { get; private set; } = "";

    /// <summary>As written in router.json: <c>http://127.0.0.1:PORT</c>.</summary>
    public string Destination => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public Uri Address => new(Destination + "/");

    public bool IsRunning => _process is { HasExited: false };

    public string Output => _process?.Output ?? "";

    /// <summary>The SampleApi, warmed up on <c>/api/version</c> so the guard's latency never sees a fresh process's JIT.</summary>
    /// <param name="instance">Its <c>--Instance</c>; defaults to the version and port.</param>
    /// <param name="args">More command-line configuration, e.g. <c>--Faults:LatencyMs=100</c>.</param>
    public static Task<SampleProcess> StartApiAsync(string version, string? instance = null, params string[] args) =>
        StartAsync(new SampleProcess(RepoPaths.SampleApiDll, version, args, "/api/version"), instance);

    /// <summary>Several SampleApis side by side (a process start is mostly waiting); if one fails, the others are stopped.</summary>
    public static async Task<SampleProcess[]> StartApisAsync(params (string Version, string? Instance)[] samples)
    {
        var starting = samples.Select(s => StartApiAsync(s.Version, s.Instance)).ToList();
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

    /// <summary>Any sample by its build (e.g. <see cref="RepoPaths.SampleSpaDll"/>).</summary>
    public static Task<SampleProcess> StartAsync(string dll, string version) => StartAsync(new SampleProcess(dll, version, [], null), null);

    /// <summary>Starts the process (again) on the same port, and returns once <c>/healthz</c> answers (and it is warmed up).</summary>
    public async Task StartAgainAsync(string instance)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} on port {Port} is still running");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Instance = instance;
        _process = ChildProcess.StartDotnet(_dll, ["--Version", Version, "--Instance", instance, "--urls", Destination, .. _extraArgs],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["DOTNET_gcServer"] = "0" });
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await IsHealthyAsync())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:{Environment.NewLine}{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not answer /healthz on port {Port} within {StartTimeout}:{Environment.NewLine}{Output}");
            }

            await Task.Delay(50);
        }

        for (var i = 0; _warmUpPath is not null && i < 5; i++)
        {
            using var warm = await Http.GetAsync(new Uri(Destination + _warmUpPath));
        }
    }

    public async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Destination + "/healthz"));
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

    /// <summary><c>PUT /faults</c> on the SampleApi's own port; null leaves a setting as it is.</summary>
    public async Task SetFaultsAsync(double? errorRate = null, int? latencyMs = null)
    {
        using var response = await Http.PutAsJsonAsync(new Uri(Destination + "/faults"), new { errorRate, latencyMs });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Stops it the way an orchestrator does: SIGTERM, so Kestrel completes in-flight requests; killed after 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            await process.StopAsync(TimeSpan.FromSeconds(15));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    private static async Task<SampleProcess> StartAsync(SampleProcess sample, string? instance)
    {
        try
        {
            await sample.StartAgainAsync(instance ?? $"{sample.Version}-{sample.Port}");
            return sample;
        }
        catch
        {
            await sample.DisposeAsync();
            throw;
        }
    }
}

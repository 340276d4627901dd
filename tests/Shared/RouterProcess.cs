using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Canary.Testing;

/// <summary>
/// The router as it is deployed: <c>dotnet Canary.Router.dll --config router.json</c> as a child process, with the
/// admin key (and, when given, the cookie key) from the environment, as the README documents. Its public and admin
/// ports are chosen once, so clients keep their addresses across restarts; router.json is the test's to write (see
/// <see cref="Urls"/>).
/// </summary>
internal sealed class RouterProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Dictionary<string, string?> _environment;
    private ChildProcess? _process;
    private volatile bool _serving;

    /// <param name="folder">Where router.json is (the state file goes beside it, as router.json says).</param>
    /// <param name="adminKey">CANARY_ADMIN_KEY; the admin clients send it.</param>
    /// <param name="environment">More variables (CANARY_COOKIE_KEY, CANARY_ADMIN_KEYS_FILE, logging levels).</param>
    public RouterProcess(string folder, string adminKey, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Folder = folder;
        AdminKey = adminKey;
        _environment = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["CANARY_ADMIN_KEY"] = adminKey,
        };
        _environment.TryAdd("Logging__LogLevel__Default", "Warning");
    }

    public string Folder { get; }

    public string ConfigPath => Path.Combine(Folder, "router.json");

    public string AdminKey { get; }

    public Uri PublicAddress { get; } = new(Ports.Loopback(Ports.Free()), "/");

    public Uri AdminAddress { get; } = new(Ports.Loopback(Ports.Free()), "/");

    /// <summary>router.json's PublicUrls and AdminUrls for this process's ports.</summary>
    public (string PublicUrls, string AdminUrls) Urls => (PublicAddress.ToString().TrimEnd('/'), AdminAddress.ToString().TrimEnd('/'));

    /// <summary>Started and ready, and not yet told to stop or killed (what a load driver checks before it counts a failure).</summary>
    public bool IsRunning => _serving;

    /// <summary>What the current (or last) process printed.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>
    /// Runs the router once to its end (a bad router.json or keys file: it must exit on its own) and gives its exit
    /// code and output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string configPath, IReadOnlyDictionary<string, string?> environment)
    {
        await using var process = ChildProcess.StartDotnet(RepoPaths.RouterDll, ["--config", configPath], environment);
        var code = await process.WaitForExitAsync(StartTimeout);
        return (code, process.Output);
    }

    /// <summary>Starts the router (again) and returns once its admin /healthz and <paramref name="readyPath"/> (public) answer 2xx.</summary>
    public async Task StartAsync(string? readyPath = null)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("the router is running already");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _process = ChildProcess.StartDotnet(RepoPaths.RouterDll, ["--config", ConfigPath], _environment);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the router exited with {_process.ExitCode}: {_process.Output}");
            }

            try
            {
                using var health = await Http.GetAsync(new Uri(AdminAddress, "/healthz"));
                var ready = health.IsSuccessStatusCode;
                if (ready && readyPath is not null)
                {
                    using var proxied = await Http.GetAsync(new Uri(PublicAddress, readyPath));
                    ready = proxied.IsSuccessStatusCode;
                }

                if (ready)
                {
                    _serving = true;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the router did not start within {StartTimeout.TotalSeconds} s: {_process.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM (a graceful stop); the exit code.</summary>
    public Task<int> StopAsync()
    {
        _serving = false;
        return _process?.StopAsync(TimeSpan.FromSeconds(30)) ?? Task.FromResult(0);
    }

    /// <summary>SIGKILL: nothing flushed, nothing said.</summary>
    public void Kill()
    {
        _serving = false;
        _process?.KillNow();
    }

    /// <summary>An admin request with the key; <paramref name="json"/> as the body when given.</summary>
    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, new Uri(AdminAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return Http.SendAsync(request);
    }

    /// <summary>GET of an admin path, with the key, as JSON; throws on a non-2xx answer.</summary>
    public async Task<JsonNode> AdminJsonAsync(string path)
    {
        using var response = await AdminAsync(HttpMethod.Get, path);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        _serving = false;
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }
}

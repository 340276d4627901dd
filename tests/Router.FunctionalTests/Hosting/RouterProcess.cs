using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;

namespace Canary.Router.FunctionalTests.Hosting;

/// <summary>
/// The published router as a child process: <c>dotnet Canary.Router.dll --config router.json</c> with the admin
/// key from the environment (and any other variables given, e.g. CANARY_REDIS), on ports chosen once so clients keep
/// their address across restarts.
/// </summary>
internal sealed class RouterProcess(string folder, string key, IReadOnlyDictionary<string, string>? environment = null) : IAsyncDisposable
{
    public const string Release = "shop";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private volatile bool _up;

    public string Folder { get; } = folder;

    public Uri PublicAddress { get; } = new($"http://127.0.0.1:{FreePort()}/");

    public Uri AdminAddress { get; } = new($"http://127.0.0.1:{FreePort()}/");

    public bool Up => _up;

    public async Task StartAsync()
    {
        _process?.Dispose();
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Dll(), "--config", Path.Combine(Folder, "router.json") })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CANARY_ADMIN_KEY"] = key;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.False(_process.HasExited, $"the router exited with {(_process.HasExited ? _process.ExitCode : 0)}: {string.Join('\n', _output)}");
            try
            {
                using var health = await Http.GetAsync(new Uri(AdminAddress, "/healthz"));
                using var proxied = await Http.GetAsync(new Uri(PublicAddress, "/api/version"));
                if (health.IsSuccessStatusCode && proxied.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "the router did not start within 30 s: " + string.Join('\n', _output));
            await Task.Delay(50);
        }

        _up = true;
    }

    public void Kill()
    {
        _up = false;
        _process!.Kill();
        _process.WaitForExit();
    }

    /// <summary>What the router printed, for a failing test's message.</summary>
    public string Output => string.Join('\n', _output);

    /// <param name="ifMatch">An If-Match entity tag (the release's revision, quoted).</param>
    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string action, string? json = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, new Uri(AdminAddress, $"/admin/releases/{Release}/{action}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return Http.SendAsync(request);
    }

    public async Task<JsonObject> ReleaseAsync() => await GetAsync($"/admin/releases/{Release}") as JsonObject ?? throw new InvalidOperationException("no release");

    public async Task<JsonArray> EventsAsync() => (await GetAsync($"/admin/releases/{Release}/events")).AsArray();

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Kill();
        }

        _process?.Dispose();
        _process = null;
        await Task.CompletedTask;
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(AdminAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    // src/Router/bin/CONFIGURATION/TFM/Canary.Router.dll beside Canary.sln: the router as built, run as published.
    private static string Dll()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Canary.sln")))
        {
            root = root.Parent;
        }

        var configuration = typeof(RouterProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        return Path.Combine(root!.FullName, "src", "Router", "bin", configuration, framework, "Canary.Router.dll");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

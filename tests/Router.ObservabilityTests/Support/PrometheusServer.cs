using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Canary.Router.ObservabilityTests.Support;

/// <summary>One series of a Prometheus instant-query answer.</summary>
internal sealed record PromSeries(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.GetValueOrDefault(name) ?? "";
}

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c>) on 127.0.0.1 and a free port, with its own temporary TSDB,
/// scraping one router's admin address every second and evaluating the given rule files every second.
/// Disposing kills it and removes its folder.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Job = "canary-router";

    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _log;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string folder, StringBuilder log, Uri address)
    {
        _process = process;
        _folder = folder;
        _log = log;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>What Prometheus wrote to stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<PrometheusServer> StartAsync(Uri target, params string[] ruleFiles)
    {
        var binary = ExternalTool.Require("prometheus");
        var folder = Path.Combine(Path.GetTempPath(), "canary-prom-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "prometheus.yml");
        var rules = string.Concat(ruleFiles.Select(f => $"\n  - \"{f}\""));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:{(ruleFiles.Length == 0 ? " []" : rules)}
            scrape_configs:
              - job_name: {Job}
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target.Authority}"]
            """);

        // A free port can be taken between asking and binding: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.Free();
            var log = new StringBuilder();
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = folder,
            };
            foreach (var argument in new[]
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
                "--query.lookback-delta=30s",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            process.ErrorDataReceived += (_, e) => Append(log, e.Data);
            process.OutputDataReceived += (_, e) => Append(log, e.Data);
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var server = new PrometheusServer(process, folder, log, new Uri($"http://127.0.0.1:{port}"));
            if (await server.WaitReadyAsync())
            {
                return server;
            }

            var output = server.Log;
            await server.StopAsync();
            if (attempt == 3)
            {
                TempFolder.DeleteQuietly(folder);
                Assert.Fail($"prometheus did not become ready on 127.0.0.1:{port}:\n{output}");
            }
        }
    }

    /// <summary>Runs an instant query; fails the test when Prometheus answers with an error.</summary>
    public async Task<IReadOnlyList<PromSeries>> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.True(response.IsSuccessStatusCode && root.GetProperty("status").GetString() == "success",
            $"query failed: {promql}\n{body}");
        var data = root.GetProperty("data");
        var type = data.GetProperty("resultType").GetString();
        if (type == "scalar")
        {
            return [new PromSeries(new Dictionary<string, string>(), ValueOf(data.GetProperty("result")))];
        }

        Assert.Equal("vector", type);
        return data.GetProperty("result").EnumerateArray()
            .Select(r => new PromSeries(
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal),
                ValueOf(r.GetProperty("value"))))
            .ToList();
    }

    /// <summary>The alerts Prometheus has (pending or firing), as their labels plus <c>state</c>.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> AlertsAsync()
    {
        var body = await _http.GetStringAsync(new Uri("/api/v1/alerts", UriKind.Relative));
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Select(a =>
            {
                var labels = a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
                labels["state"] = a.GetProperty("state").GetString() ?? "";
                return (IReadOnlyDictionary<string, string>)labels;
            })
            .ToList();
    }

    /// <summary>Polls <paramref name="promql"/> until <paramref name="done"/> holds or 30 s pass; returns the last answer.</summary>
    public async Task<IReadOnlyList<PromSeries>> QueryUntilAsync(string promql, Func<IReadOnlyList<PromSeries>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await QueryAsync(promql);
            if (done(result) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        TempFolder.DeleteQuietly(_folder);
    }

    private async Task StopAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task<bool> WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri("/-/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static double ValueOf(JsonElement pair) => pair[1].GetString() switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var text => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

}

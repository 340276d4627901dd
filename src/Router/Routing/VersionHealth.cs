using Canary.Router.Configuration;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Canary.Router.Routing;

/// <summary>
/// Whether a version can take every user now, before a blue-green switch: each route needs a healthy destination.
/// A cluster with YARP active health checks answers from them; otherwise each destination's HealthPath is probed.
/// </summary>
internal sealed class VersionHealth(IProxyStateLookup lookup) : IDisposable
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = ProbeTimeout };

    /// <summary>Null when healthy; otherwise why not, naming the route and destinations.</summary>
    public async Task<string?> CheckAsync(ReleaseOptions release, string version, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var route in release.Routes)
        {
            if (!lookup.TryGetCluster(ClusterIds.For(release.Name, route.Name, version), out var cluster))
            {
                problems.Add($"route '{route.Name}' has no cluster for {version}");
                continue;
            }

            var failures = new List<string>();
            var healthy = 0;
            foreach (var destination in cluster.Destinations.Values)
            {
                var failure = cluster.Model.Config.HealthCheck?.Active?.Enabled == true
                    ? destination.Health.Active == DestinationHealth.Healthy ? null : $"active health check says {destination.Health.Active}"
                    : await ProbeAsync(destination.Model.Config.Address, release.HealthPath, cancellationToken);
                if (failure is null)
                {
                    healthy++;
                }
                else
                {
                    failures.Add($"{destination.Model.Config.Address}: {failure}");
                }
            }

            if (healthy == 0)
            {
                problems.Add($"route '{route.Name}' has no healthy destination of {version} ({string.Join("; ", failures)})");
            }
        }

        return problems.Count == 0 ? null : string.Join(". ", problems);
    }

    public void Dispose() => _probe.Dispose();

    private async Task<string?> ProbeAsync(string address, string path, CancellationToken cancellationToken)
    {
        try
        {
            // Off the socket's thread (inline completions, RuntimeDefaults): the switch that follows writes the state.
            using var response = await _probe.GetAsync(new Uri(new Uri(address), path), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            return response.IsSuccessStatusCode ? null : $"GET {path} answered {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return $"GET {path} failed: {e.Message}";
        }
    }
}

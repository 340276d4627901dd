using Canary.Router.Hosting;
using Canary.Router.State;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;

namespace Canary.Router.Configuration;

/// <summary>
/// Applies an edited router.json to the running router, all or nothing. A file with any problem changes nothing:
/// the problems are logged, counted (<c>canary_config_reload_failures_total</c>) and recorded in the decision log.
/// A valid file updates YARP first (in-flight requests finish on the models they started with), waits until YARP
/// knows every new cluster, then reconciles the release state and swaps the routing table.
/// </summary>
internal sealed partial class ConfigReloader(
    RouterCore core, InMemoryConfigProvider proxyConfig, IConfigValidator validator, IProxyStateLookup lookup, ILogger<ConfigReloader> logger) : IDisposable
{
    private static readonly TimeSpan ClusterWait = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RouterOptions next;
            try
            {
                next = RouterConfigLoader.Load(core.ConfigPath);
                await YarpConfigChecker.CheckAsync(validator, next, core.ConfigPath);
            }
            catch (ConfigException e)
            {
                core.Metrics.ReloadFailures.Inc();
                LogRefused(logger, e.Message);
                core.Events.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", e.Message));
                return false;
            }

            var current = core.Options;
            if (next == current || Same(next, current))
            {
                return true;
            }

            WarnAboutRestartOnlyKeys(current, next);
            var (routes, clusters) = YarpConfigBuilder.Build(next);
            proxyConfig.Update(routes, clusters);
            await WaitForClustersAsync(clusters, cancellationToken);
            core.Store.Reconcile(next.Releases, ReleaseReconciler.Reconcile,
                new ChangeCause(Actor.Reload, "reload", "config", $"{Path.GetFileName(core.ConfigPath)} changed"));
            core.Options = next with { PublicUrls = current.PublicUrls, AdminUrls = current.AdminUrls, StateFile = current.StateFile, Cookie = current.Cookie, Authentication = current.Authentication };
            core.Table.Load(next, core.Store);
            core.Experiments.Load(next, core.Store.All(), restore: false);
            core.Metrics.Publish(core.Store.All());
            LogApplied(logger, core.ConfigPath);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task WaitForClustersAsync(IReadOnlyList<ClusterConfig> clusters, CancellationToken cancellationToken)
    {
        var deadline = core.Time.GetTimestamp() + (long)(ClusterWait.TotalSeconds * core.Time.TimestampFrequency);
        while (!clusters.All(c => lookup.TryGetCluster(c.ClusterId, out _)) && core.Time.GetTimestamp() < deadline)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    // Records compare lists by reference; the serialized form is what the operator edited.
    private static bool Same(RouterOptions a, RouterOptions b) =>
        System.Text.Json.JsonSerializer.Serialize(a) == System.Text.Json.JsonSerializer.Serialize(b);

    private void WarnAboutRestartOnlyKeys(RouterOptions current, RouterOptions next)
    {
        foreach (var (key, changed) in new[]
        {
            ("PublicUrls", current.PublicUrls != next.PublicUrls),
            ("AdminUrls", current.AdminUrls != next.AdminUrls),
            ("StateFile", current.StateFile != next.StateFile),
            ("Cookie", current.Cookie != next.Cookie),
            ("Authentication", current.Authentication != next.Authentication),
        })
        {
            if (changed)
            {
                LogNeedsRestart(logger, key);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "router.json change refused; the running configuration stays. {Problems}")]
    private static partial void LogRefused(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied the changes of {Path}")]
    private static partial void LogApplied(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Router.{Key} changed; it applies at the next restart")]
    private static partial void LogNeedsRestart(ILogger logger, string key);
}

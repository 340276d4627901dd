using System.Security.Cryptography;
using Canary.Router.Hosting;
using Canary.Router.Routing;
using Canary.Router.State;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Canary.Router.Configuration;

/// <summary>
/// Applies an edited router.json to the running router, all or nothing. A file with any problem changes nothing:
/// the problems are logged, counted (<c>canary_config_reload_failures_total</c>) and recorded in the decision log.
/// A valid file is built off to the side (options, routes, targets), then published in three steps, so no request
/// ever meets a binding without its cluster: YARP learns the new routes and clusters (keeping the old clusters for
/// requests still on the old snapshot); one write publishes the new snapshot (options, routes and release states
/// together); the clusters nothing names any more go.
/// </summary>
internal sealed partial class ConfigReloader(
    RouterCore core, InMemoryConfigProvider proxyConfig, IConfigValidator validator, ITransformBuilder transforms, IProxyStateLookup lookup, ILogger<ConfigReloader> logger) : IDisposable
{
    private static readonly TimeSpan ClusterWait = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _lastSeen = core.ConfigDigest;

    public async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = core.Options;
            RouterOptions next;
            byte[]? seen = null;
            try
            {
                var json = RouterConfigLoader.Read(core.ConfigPath);
                seen = SHA256.HashData(json);
                if (_lastSeen is not null && seen.AsSpan().SequenceEqual(_lastSeen))
                {
                    // Touched, or a neighbour in the folder changed: the same bytes change nothing.
                    return true;
                }

                next = RouterConfigLoader.Parse(System.Text.Encoding.UTF8.GetString(json), core.ConfigPath);
                await YarpConfigChecker.CheckAsync(validator, transforms, next, core.ConfigPath);
                if (next.UsesRoutePolicies && !core.RoutePolicies)
                {
                    throw new ConfigException(core.ConfigPath, [new ConfigProblem("Router.Releases", null,
                        "a route names a policy or a timeout for the first time: restart the router to apply it (their middleware is added at start)")]);
                }
            }
            catch (ConfigException e)
            {
                core.Metrics.ReloadFailures.Inc();
                LogRefused(logger, e.Message);
                core.Events.Record(null, new ChangeCause(Actor.Reload, "reload-refused", "invalid", e.Message));
                _lastSeen = seen;
                return false;
            }

            WarnAboutRestartOnlyKeys(current, next);
            var running = next with { PublicUrls = current.PublicUrls, AdminUrls = current.AdminUrls, StateFile = current.StateFile, Redis = current.Redis, RedisKeyPrefix = current.RedisKeyPrefix,
                Cookie = current.Cookie, Authentication = current.Authentication, Notify = current.Notify,
                Tls = current.Tls, Http2Cleartext = current.Http2Cleartext, ForwardedHeaders = current.ForwardedHeaders };
            var previousRoutes = core.Table;
            var routes = RoutingTable.Build(running, core.Metrics, core.Counters, previousRoutes);
            var (yarpRoutes, clusters) = YarpConfigBuilder.Build(running);
            var ids = clusters.Select(c => c.ClusterId).ToHashSet(StringComparer.Ordinal);
            List<ClusterConfig> leaving = [.. YarpConfigBuilder.Build(current).Clusters.Where(c => !ids.Contains(c.ClusterId))];

            proxyConfig.Update(yarpRoutes, [.. clusters, .. leaving]);
            await WaitForClustersAsync(clusters, cancellationToken);
            core.Store.Replace(running, routes, ReleaseReconciler.Reconcile,
                new ChangeCause(Actor.Reload, "reload", "config", $"{Path.GetFileName(core.ConfigPath)} changed"));
            if (leaving.Count > 0)
            {
                proxyConfig.Update(yarpRoutes, clusters);
            }

            core.Experiments.Load(running, core.Store.All(), restore: false);
            previousRoutes.UnpublishGone(routes);
            _lastSeen = seen;
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

    private void WarnAboutRestartOnlyKeys(RouterOptions current, RouterOptions next)
    {
        foreach (var (key, changed) in new[]
        {
            ("PublicUrls", current.PublicUrls != next.PublicUrls),
            ("AdminUrls", current.AdminUrls != next.AdminUrls),
            ("StateFile", current.StateFile != next.StateFile),
            ("Redis", current.Redis != next.Redis || current.RedisKeyPrefix != next.RedisKeyPrefix),
            ("Cookie", current.Cookie != next.Cookie),
            ("Authentication", current.Authentication != next.Authentication),
            ("Notify", !Notifications.NotifyOptions.Same(current.Notify, next.Notify)),
            ("Tls", current.Tls != next.Tls),
            ("Http2Cleartext", current.Http2Cleartext != next.Http2Cleartext),
            ("ForwardedHeaders", current.ForwardedHeaders != next.ForwardedHeaders),
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

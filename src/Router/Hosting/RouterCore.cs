using Canary.Router.Configuration;
using Canary.Router.Routing;
using Canary.Router.State;

namespace Canary.Router.Hosting;

/// <summary>The parts the public (proxy) and admin hosts share: one state, one routing table, one clock.</summary>
internal sealed class RouterCore
{
    public RouterCore(RouterOptions options, string configPath, TimeProvider time)
    {
        Options = options;
        ConfigPath = Path.GetFullPath(configPath);
        Time = time;
        StateFile = Path.Combine(Path.GetDirectoryName(ConfigPath)!, options.StateFile);
        Store = new ReleaseStore(options.Releases.Select(ReleaseState.FromOptions));
        Table = new RoutingTable();
        Table.Load(options, Store);
        Anonymous = new AnonymousUsers(new AnonymousId(CookieKey.Load(StateFile)), options.Cookie);
    }

    public RouterOptions Options { get; }

    public string ConfigPath { get; }

    /// <summary>Resolved against router.json's folder, so the router behaves the same from any working directory.</summary>
    public string StateFile { get; }

    public TimeProvider Time { get; }

    public ReleaseStore Store { get; }

    public RoutingTable Table { get; }

    public AnonymousUsers Anonymous { get; }
}

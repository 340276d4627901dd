using Canary.Router.Guard;
using Prometheus;

namespace Canary.Router.Hosting;

/// <summary>The operators' side, on AdminUrls (loopback by default): health, metrics, the admin API and the dashboard.</summary>
internal static class AdminHost
{
    /// <param name="core">The shared router state.</param>
    /// <param name="guard">The public host's guard, whose verdicts the admin API reports.</param>
    public static WebApplication Build(RouterCore core, GuardMonitor guard)
    {
        var builder = HostDefaults.CreateBuilder(core, core.Options.AdminUrls);
        builder.Services.AddSingleton(guard);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapMetrics("/metrics", core.Metrics.Registry);
        return app;
    }
}

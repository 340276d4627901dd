using Canary.Router.Admin;
using Canary.Router.Experiments;
using Canary.Router.Guard;
using Canary.Router.Routing;
using Prometheus;
using Yarp.ReverseProxy;

namespace Canary.Router.Hosting;

/// <summary>The operators' side, on AdminUrls (loopback by default): health, metrics, the admin API and the dashboard.</summary>
internal static class AdminHost
{
    /// <param name="core">The shared router state.</param>
    /// <param name="proxy">The public host's services: its guard and YARP's state, which the admin API reports and acts on.</param>
    /// <param name="key">The operator's key.</param>
    public static WebApplication Build(RouterCore core, IServiceProvider proxy, AdminKey key)
    {
        var builder = HostDefaults.CreateBuilder(core, core.Options.AdminUrls);
        builder.Services.AddSingleton(proxy.GetRequiredService<GuardMonitor>());
        builder.Services.AddSingleton(proxy.GetRequiredService<IProxyStateLookup>());
        builder.Services.AddSingleton<ReleaseViews>();
        builder.Services.AddSingleton<VersionHealth>();
        builder.Services.AddSingleton(key);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddOpenApi("openapi", openApi => openApi.ShouldInclude = description => description.GroupName is null);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = JsonBody.MaxBytes * 4);

        var app = builder.Build();
        app.UseStatusCodePages();
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapMetrics("/metrics", core.Metrics.Registry);
        app.MapOpenApi("/admin/{documentName}.json");
        app.MapDashboard();
        app.MapReleaseEndpoints().MapFiguresEndpoints().MapStrategyEndpoints();
        app.MapExperimentEndpoints();
        return app;
    }
}

using Canary.Router.Admin;
using Canary.Router.Experiments;
using Canary.Router.Guard;
using Canary.Router.Notices;
using Canary.Router.Previews;
using Canary.Router.Routing;
using Microsoft.AspNetCore.Diagnostics;
using Prometheus;
using Yarp.ReverseProxy;

namespace Canary.Router.Hosting;

/// <summary>The operators' side, on AdminUrls (loopback by default): health, metrics, the admin API and the dashboard.</summary>
internal static class AdminHost
{
    /// <param name="core">The shared router state.</param>
    /// <param name="proxy">The public host's services: its guard and YARP's state, which the admin API reports and acts on.</param>
    /// <param name="key">The operator's key.</param>
    /// <param name="hostOptions">What the router's host set beyond router.json.</param>
    public static WebApplication Build(RouterCore core, IServiceProvider proxy, AdminKey key, RouterHostOptions hostOptions)
    {
        var builder = HostDefaults.CreateBuilder(core, core.Options.AdminUrls, hostOptions);
        // The admin listener's writes wait on the disk: it stays on the thread pool.
        Listeners.Configure(builder, core, http2Cleartext: false, inlineScheduling: false);
        builder.Services.AddSingleton(proxy.GetRequiredService<GuardMonitor>());
        builder.Services.AddSingleton(proxy.GetRequiredService<IProxyStateLookup>());
        builder.Services.AddSingleton<ReleaseViews>();
        builder.Services.AddSingleton<VersionHealth>();
        builder.Services.AddSingleton(key);
        builder.Services.AddSingleton(new Previews.PublicListener(proxy.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()));

        // Kestrel's own refusals met while the app reads (a malformed chunk, a body over its limit) say what was wrong.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            if (context.Exception is BadHttpRequestException bad)
            {
                context.ProblemDetails.Detail = bad.Message;
            }
        });
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddOpenApi("openapi", openApi => openApi.ShouldInclude = description => description.GroupName is null);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = JsonBody.MaxBytes * 4;

            // Kestrel answers its own header limits with a bare 431; above the admin's limits, below Kestrel's, the
            // admin answers with problem details (AdminLimits).
            kestrel.Limits.MaxRequestHeadersTotalSize = AdminLimits.MaxHeaderBytes * 2;
            kestrel.Limits.MaxRequestHeaderCount = AdminLimits.MaxHeaderCount * 2;
        });

        var app = builder.Build();
        app.Use(AdminLimits.NoSniff);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        app.Use(AdminLimits.RefuseLargeHeaders);
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapMetrics("/metrics", core.Metrics.Registry);

        // The API's shape is no secret, but every /admin/* read needs the key once one is configured: one rule.
        app.MapGroup("/admin").AddEndpointFilter<AdminAuthFilter>().MapOpenApi("/{documentName}.json");
        app.MapDashboard();
        app.MapReleaseEndpoints().MapFiguresEndpoints().MapStrategyEndpoints().MapNoticeEndpoints().MapPreviewEndpoints();
        app.MapExperimentEndpoints();
        app.MapStoreEndpoints();
        return app;
    }
}

namespace Canary.Router.Hosting;

/// <summary>The operators' side, on AdminUrls (loopback by default): health now; admin API, metrics and dashboard as they land.</summary>
internal static class AdminHost
{
    public static WebApplication Build(RouterCore core)
    {
        var app = HostDefaults.CreateBuilder(core, core.Options.AdminUrls).Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }
}

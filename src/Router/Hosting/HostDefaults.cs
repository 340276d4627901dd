namespace Canary.Router.Hosting;

/// <summary>What both hosts set up the same way.</summary>
internal static class HostDefaults
{
    public static WebApplicationBuilder CreateBuilder(RouterCore core, string urls, RouterHostOptions hostOptions)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // Quiet by default: per-request Information logs cost more than the proxying itself.
        // Logging__LogLevel__* environment variables still override these.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",

                // While this category is enabled at any level, ASP.NET Core starts an Activity for every request even
                // when nothing traces: about 15% of the router's throughput (bench/results). Tracing, when configured,
                // still gets its spans through its own listener.
                ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
                ["Logging:LogLevel:Yarp"] = "Warning",

                // A full console queue drops lines (and says how many) rather than blocking the thread that logs,
                // which on the public listener is a socket's epoll thread (RuntimeDefaults.InlineScheduling).
                ["Logging:Console:QueueFullMode"] = "DropWrite",
            },
        });
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddSingleton(core);
        builder.Services.AddSingleton(core.Time);
        builder.Services.AddSingleton(core.Store);
        hostOptions.WebHost?.Invoke(builder.WebHost);
        return builder;
    }
}

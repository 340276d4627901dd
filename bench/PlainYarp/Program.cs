using Yarp.ReverseProxy.Configuration;

// The baseline: YARP with one catch-all route to one backend, set up like the router's public host (same builder,
// same Kestrel options, Warning-level logging for ASP.NET Core and YARP, and its hosting diagnostics category off so
// that ASP.NET Core starts no per-request Activity) minus the cohort step and recording: the ratio is the router's
// own work, not a logging setting.
// Usage: Canary.Bench.PlainYarp --urls http://127.0.0.1:8090 --backend http://127.0.0.1:5101
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var backend = builder.Configuration["backend"] ?? "http://127.0.0.1:5101";
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
    [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = backend } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();

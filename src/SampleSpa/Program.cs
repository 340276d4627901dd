using Canary.SampleSpa;

var builder = WebApplication.CreateBuilder(args);

// Console logging per request would throttle load tests; keep startup lines for humans.
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

var build = SpaBuild.Locate(builder.Configuration["Version"] ?? "v1");

var app = builder.Build();

app.UseBackendVersionHeader(build.Version);
app.MapGet("/healthz", () => "ok");
app.MapSpa(build);

app.Run();

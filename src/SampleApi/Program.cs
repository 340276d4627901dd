using Canary.SampleApi;

var builder = WebApplication.CreateBuilder(args);

// Console logging per request would throttle load tests; keep startup lines for humans.
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

builder.Services.AddProblemDetails();
builder.Services.AddSingleton(BackendInfo.FromConfiguration(builder.Configuration));
builder.Services.AddSingleton(FaultState.FromConfiguration(builder.Configuration));
builder.Services.AddSingleton<ProductCatalog>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBackendVersionHeader();
app.UseFaultInjection();

app.MapGet("/healthz", () => "ok");
app.MapFaultEndpoints();
var api = app.MapGroup("/api");
api.MapVersionEndpoints();
api.MapProductEndpoints();
api.MapOrderEndpoints();

app.Run();

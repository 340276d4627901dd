using Canary.Router.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Canary.Router.Hosting;

/// <summary>
/// OpenTelemetry traces (ASP.NET Core, HttpClient, YARP) and metrics (the <c>Canary.Router</c> meter), exported over
/// OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and otherwise off: no listener, no cost.
/// </summary>
internal static class Telemetry
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static void Add(IServiceCollection services, RouterHostOptions options)
    {
        var otlp = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        if (!otlp && options.Tracing is null && options.Metering is null)
        {
            return;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("canary-router"));
        if (otlp || options.Tracing is not null)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("Yarp.ReverseProxy");
                options.Tracing?.Invoke(tracing);
            });
        }

        if (otlp || options.Metering is not null)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(RouterMetrics.MeterName);
                options.Metering?.Invoke(metrics);
            });
        }

        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }
    }
}

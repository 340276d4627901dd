using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Canary.Router.Hosting;

/// <summary>What a host of the router (the command line, a test, a benchmark) may set beyond router.json.</summary>
internal sealed record RouterHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The operator's key; null reads <c>CANARY_ADMIN_KEY</c>.</summary>
    public Admin.AdminKey? AdminKey { get; init; }

    /// <summary>Extra tracing setup (e.g. an in-memory exporter in tests); turns tracing on even without an OTLP endpoint.</summary>
    public Action<TracerProviderBuilder>? Tracing { get; init; }

    /// <summary>Extra metrics setup; turns OTel metrics on even without an OTLP endpoint.</summary>
    public Action<MeterProviderBuilder>? Metering { get; init; }

    /// <summary>Extra setup of both hosts' web hosts, after the router's own (e.g. an in-memory TestServer in tests).</summary>
    public Action<IWebHostBuilder>? WebHost { get; init; }
}

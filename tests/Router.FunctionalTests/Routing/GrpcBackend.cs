using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Routing.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// A real Kestrel backend serving the test gRPC service (<c>versions.proto</c>) over HTTP/2 without TLS (h2c), one
/// instance per version: every reply names the version and the protocol the backend saw, and every call ends with
/// the trailer <c>x-served-by: VERSION</c>. <see cref="Failure"/> makes every call end with that status instead:
/// a unary call then answers trailers-only (the status in the headers), a stream after its first message (the status
/// in the trailers).
/// </summary>
internal sealed class GrpcBackend : IAsyncDisposable
{
    public const string ServedByTrailer = "x-served-by";

    private readonly KestrelApp _app;
    private readonly Settings _settings;

    private GrpcBackend(KestrelApp app, Settings settings)
    {
        _app = app;
        _settings = settings;
    }

    /// <summary>The status every call ends with instead of OK; null: OK.</summary>
    public StatusCode? Failure
    {
        get => _settings.Failure;
        set => _settings.Failure = value;
    }

    /// <summary>
    /// This version as router.json's YARP cluster object: its one destination, reached over HTTP/2 with prior
    /// knowledge (YARP's default, HTTP/2 or lower, would speak HTTP/1.1 to a plaintext address).
    /// </summary>
    public JsonObject Cluster() => new()
    {
        ["Destinations"] = new JsonObject { ["d0"] = new JsonObject { ["Address"] = _app.Destination } },
        ["HttpRequest"] = new JsonObject { ["Version"] = "2", ["VersionPolicy"] = "RequestVersionExact" },
    };

    public static async Task<GrpcBackend> StartAsync(string version)
    {
        var settings = new Settings(version);
        var app = await KestrelApp.StartAsync(
            web => web.MapGrpcService<VersionsService>(),
            builder =>
            {
                // Plaintext HTTP/2 needs HTTP/2 as the endpoint's only protocol.
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
                builder.Services.AddGrpc();
                builder.Services.AddSingleton(settings);
            });
        return new GrpcBackend(app, settings);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    internal sealed class Settings(string version)
    {
        private volatile int _failure = -1; // set by the test while calls run

        public string Version { get; } = version;

        public StatusCode? Failure
        {
            get => _failure < 0 ? null : (StatusCode)_failure;
            set => _failure = value is { } code ? (int)code : -1;
        }
    }

    private sealed class VersionsService(Settings settings) : Versions.VersionsBase
    {
        public override Task<WhichReply> Which(WhichRequest request, ServerCallContext context)
        {
            context.ResponseTrailers.Add(ServedByTrailer, settings.Version);
            if (settings.Failure is { } failure)
            {
                throw new RpcException(new Status(failure, $"{settings.Version} fails"));
            }

            return Task.FromResult(Reply(context, 0));
        }

        public override async Task Stream(StreamRequest request, IServerStreamWriter<WhichReply> responseStream, ServerCallContext context)
        {
            context.ResponseTrailers.Add(ServedByTrailer, settings.Version);
            for (var i = 0; i < request.Count; i++)
            {
                // Before the first message too: the response headers go with it, so they wait as well.
                await Task.Delay(request.IntervalMs, context.CancellationToken);
                await responseStream.WriteAsync(Reply(context, i), context.CancellationToken);
                if (settings.Failure is { } failure)
                {
                    throw new RpcException(new Status(failure, $"{settings.Version} fails"));
                }
            }
        }

        private WhichReply Reply(ServerCallContext context, int index) =>
            new() { Version = settings.Version, Protocol = context.GetHttpContext().Request.Protocol, Index = index };
    }
}

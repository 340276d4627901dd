using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Hosting;
using Canary.Router.Metrics;
using Canary.Router.Routing;
using Canary.Router.State;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Canary.Router.Tests.Guard;

/// <summary>
/// A <see cref="RouterCore"/> on a fake clock with the guard's real parts around it (<see cref="RequestRecorder"/>,
/// <see cref="GuardMonitor"/>): a test records finished requests as the proxy does and watches what the guard makes of them.
/// Release "shop": stable v1, canary v2, one route "api"; its state file lives in a temporary folder of its own.
/// </summary>
internal sealed class GuardRig : IDisposable
{
    public const string Release = "shop";

    private readonly string _folder;
    private readonly RouteBinding _binding;

    private GuardRig(string folder, RouterCore core, FakeTimeProvider time)
    {
        _folder = folder;
        Core = core;
        Time = time;
        Monitor = new GuardMonitor(core, NullLogger<GuardMonitor>.Instance);
        Recorder = new RequestRecorder(time, core.Signal);
        _binding = core.Table.Find(ClusterIds.Route(Release, "api"))!;
    }

    public FakeTimeProvider Time { get; }

    public RouterCore Core { get; }

    public GuardMonitor Monitor { get; }

    public RequestRecorder Recorder { get; }

    public ReleaseState State => Core.Store.Get(Release)!;

    /// <param name="release">Extra properties of the release (Guard, Steps, Weight, ...) over stable v1, canary v2 at 20% (with Steps: the first step's weight).</param>
    public static GuardRig Start(JsonObject release)
    {
        var shop = new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = 20,
            ["UserKey"] = new JsonArray("header:X-User-Id"),
            ["Segments"] = new JsonArray(new JsonObject { ["Name"] = "beta", ["Header"] = "X-Beta", ["Values"] = new JsonArray("true"), ["Version"] = "v2" }),
            ["Routes"] = new JsonObject
            {
                ["api"] = new JsonObject
                {
                    ["Path"] = "/api/{**rest}",
                    ["Versions"] = new JsonObject { ["v1"] = new JsonArray("http://127.0.0.1:5001"), ["v2"] = new JsonArray("http://127.0.0.1:5002") },
                },
            },
        };
        if (release.ContainsKey("Steps"))
        {
            shop.Remove("Weight"); // The first step's weight.
        }

        foreach (var (name, value) in release.ToList())
        {
            release.Remove(name);
            shop[name] = value;
        }

        var json = new JsonObject
        {
            ["Router"] = new JsonObject
            {
                ["StateFile"] = "router.state.json",
                ["Releases"] = new JsonObject { [Release] = shop },
            },
        }.ToJsonString();

        var folder = Directory.CreateTempSubdirectory("canary-guard-").FullName;
        try
        {
            var path = Path.Combine(folder, "router.json");
            File.WriteAllText(path, json);
            var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
            return new GuardRig(folder, new RouterCore(RouterConfigLoader.Parse(json, path), path, time), time);
        }
        catch
        {
            TempFolder.DeleteQuietly(folder);
            throw;
        }
    }

    /// <summary>
    /// Records <paramref name="count"/> finished requests to <paramref name="version"/>, as the proxy does: each through
    /// the real response transforms (headers after <paramref name="milliseconds"/>), then the recorder. When any of
    /// them failed, the guard judges at once, as its loop does when a failure wakes it.
    /// </summary>
    /// <remarks>They run side by side: the clock moves by <paramref name="milliseconds"/> once, not once per request.</remarks>
    /// <param name="contentType">The response's content type (e.g. text/event-stream for a stream).</param>
    /// <param name="withBody">Whether the request has a body (an upload, paced by its client).</param>
    /// <param name="grpcStatus">A gRPC response's grpc-status, sent in the trailers.</param>
    public void Send(string version, int status, int count = 1, double milliseconds = 0, string? contentType = null, string? grpcStatus = null, bool withBody = false)
    {
        var target = _binding.Target(version)!;
        var requests = Enumerable.Range(0, count).Select(_ => new DefaultHttpContext()).Select(context => (context, started: Recorder.Start(context))).ToList();
        if (milliseconds > 0)
        {
            Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        }

        var failed = false;
        foreach (var (context, started) in requests)
        {
            context.Response.StatusCode = status;
            if (withBody)
            {
                context.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection());
            }

            context.Response.ContentType = contentType;
            using var response = new HttpResponseMessage((HttpStatusCode)status);
            Recorder.OnResponseHeaders(new ResponseTransformContext { HttpContext = context, ProxyResponse = response }).AsTask().Wait();
            if (grpcStatus is not null)
            {
                var trailers = new TrailersFeature();
                trailers.Trailers["grpc-status"] = grpcStatus;
                context.Features.Set<IHttpResponseTrailersFeature>(trailers);
                RequestRecorder.OnResponseTrailers(new ResponseTrailersTransformContext { HttpContext = context, ProxyResponse = response }).AsTask().Wait();
            }

            failed |= Recorder.Record(context, target, State, started).IsFailure() || context.Features.Get<ResponseTiming>()!.GrpcFailed;
        }

        if (failed)
        {
            Monitor.EvaluateAll();
        }
    }

    /// <summary>The guard loop's periodic tick.</summary>
    public void Tick() => Monitor.EvaluateAll();

    public IReadOnlyList<DecisionEvent> Events(Actor actor) => [.. Core.Events.For(Release).Where(e => e.Actor == actor)];

    public double Rollbacks(string reason) => Core.Metrics.Rollbacks.WithLabels(Release, reason).Value;

    private sealed class BodyDetection : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }

    public void Dispose()
    {
        Core.Dispose();
        TempFolder.DeleteQuietly(_folder);
    }
}

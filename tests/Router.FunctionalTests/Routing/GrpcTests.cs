using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Canary.Router.FunctionalTests.Routing.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// gRPC through the real router to real Kestrel gRPC backends, HTTP/2 on both legs: clients over h2c (the
/// <c>Http2Cleartext</c> opt-in) or TLS with ALPN, backends over h2c (their cluster's <c>HttpRequest</c>). Unary and
/// server-streaming calls reach the chosen version with their trailers; grpc-status server failures count as
/// failures (5xx in the metrics, a failure for the guard); streams are not latency samples.
/// </summary>
public sealed class GrpcTests : IAsyncLifetime
{
    private readonly CancellationToken _patience = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
    private readonly TestCertificate _certificate = TestCertificate.Create();
    private GrpcBackend _v1 = null!;
    private GrpcBackend _v2 = null!;

    public async Task InitializeAsync()
    {
        _v1 = await GrpcBackend.StartAsync("v1");
        _v2 = await GrpcBackend.StartAsync("v2");
    }

    public async Task DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _certificate.Dispose();
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task Unary_EachVersion_ServedOverHttp2WithItsTrailers(string listener)
    {
        await using var router = await StartAsync(listener, Release(weight: 0, guard: false));
        using var channel = Channel(router, listener);
        var client = new Versions.VersionsClient(channel);

        foreach (var version in new[] { "v1", "v2" })
        {
            using var call = client.WhichAsync(new WhichRequest { Name = "unary" }, Pick(version), cancellationToken: _patience);
            var reply = await call.ResponseAsync;
            var headers = await call.ResponseHeadersAsync;

            Assert.Equal(version, reply.Version);
            Assert.Equal("HTTP/2", reply.Protocol);
            Assert.Equal(version, headers.GetValue("x-canary-version"));
            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
            Assert.Equal(version, call.GetTrailers().GetValue(GrpcBackend.ServedByTrailer));
        }
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("tls")]
    public async Task ServerStream_EachVersion_EveryMessageInOrderThenItsTrailers(string listener)
    {
        await using var router = await StartAsync(listener, Release(weight: 0, guard: false));
        using var channel = Channel(router, listener);
        var client = new Versions.VersionsClient(channel);

        foreach (var version in new[] { "v1", "v2" })
        {
            using var call = client.Stream(new StreamRequest { Count = 5, IntervalMs = 20 }, Pick(version), cancellationToken: _patience);
            var replies = new List<WhichReply>();
            await foreach (var reply in call.ResponseStream.ReadAllAsync(_patience))
            {
                replies.Add(reply);
            }

            Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
            Assert.All(replies, r => Assert.Equal((version, "HTTP/2"), (r.Version, r.Protocol)));
            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
            Assert.Equal(version, call.GetTrailers().GetValue(GrpcBackend.ServedByTrailer));
        }
    }

    [Fact]
    public async Task Metrics_GrpcServerFailuresInHeadersOrTrailers_Counted5xxAndClientStatusesNot()
    {
        await using var router = await StartAsync("h2c", Release(weight: 0, guard: false));
        using var channel = Channel(router, "h2c");
        var client = new Versions.VersionsClient(channel);

        // Unary: the failure before any message is a trailers-only response, grpc-status in the headers.
        _v2.Failure = StatusCode.Internal;
        var unary = await Assert.ThrowsAsync<RpcException>(() => client.WhichAsync(new WhichRequest(), Pick("v2"), cancellationToken: _patience).ResponseAsync);
        Assert.Equal(StatusCode.Internal, unary.StatusCode);

        // A stream: the failure after a message, grpc-status in the trailers.
        _v2.Failure = StatusCode.Unavailable;
        using (var stream = client.Stream(new StreamRequest { Count = 3 }, Pick("v2"), cancellationToken: _patience))
        {
            var failed = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.ReadAllAsync(_patience).ToListAsync(_patience).AsTask());
            Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        }

        // The client's fault (NOT_FOUND, like a 404): counted as the 200 it was, never as a failure.
        _v2.Failure = StatusCode.NotFound;
        var notFound = await Assert.ThrowsAsync<RpcException>(() => client.WhichAsync(new WhichRequest(), Pick("v2"), cancellationToken: _patience).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);

        var scrape = await Poll.UntilAsync(router.MetricsAsync, s => s.Sum("canary_requests_total", ("version", "v2")) >= 3, TimeSpan.FromSeconds(10), "three calls counted");
        Assert.Equal(2, scrape.Sum("canary_requests_total", ("version", "v2"), ("code", "5xx")));
        Assert.Equal(1, scrape.Sum("canary_requests_total", ("version", "v2"), ("code", "2xx")));
        var state = await router.StateAsync();
        Assert.Equal(2, state["guard"]!["canary"]!["grpcErrors"]!.GetValue<long>());
        Assert.Equal(0, state["guard"]!["canary"]!["serverErrors"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.OK, false)]
    public async Task Guard_CanaryEndingEveryCallWithAStatus_RolledBackOnlyForAServerFailure(StatusCode status, bool rolledBack)
    {
        const double weight = 50;
        await using var router = await StartAsync("h2c", Release(weight, guard: true));
        using var channel = Channel(router, "h2c");
        var client = new Versions.VersionsClient(channel);
        _v2.Failure = status == StatusCode.OK ? null : status;

        var canaryUsers = Users.Pick("grpc", 30, weight, onCanary: true);
        var stableUsers = Users.Pick("grpc", 30, weight, onCanary: false);
        foreach (var (canary, stable) in canaryUsers.Zip(stableUsers))
        {
            var stableReply = await client.WhichAsync(new WhichRequest(), User(stable), cancellationToken: _patience);
            Assert.Equal("v1", stableReply.Version);
            using var call = client.WhichAsync(new WhichRequest(), User(canary), cancellationToken: _patience);
            string? served;
            try
            {
                served = (await call.ResponseAsync).Version;
            }
            catch (RpcException e) when (e.StatusCode == status)
            {
                served = null; // the canary's failure, passed to the client as it was
            }

            // A healthy canary serves its users; a failing one fails them until the rollback puts them on stable.
            Assert.True(status == StatusCode.OK ? served == "v2" : served is null or "v1", $"a canary user was served by {served ?? "a failing v2"}");
        }

        if (rolledBack)
        {
            var state = await Poll.UntilAsync(router.StateAsync, s => s.Phase() == "RolledBack", TimeSpan.FromSeconds(15), "rolled back", s => s.Show());
            Assert.Equal(0, state.Weight());
            var guard = await Poll.GuardEventAsync(router);
            Assert.Equal("guard_error_rate", guard.Text("code"));
            Assert.True(guard.Figure("canaryGrpcErrors") > 0, guard.Show());
            Assert.True((await router.MetricsAsync()).Sum("canary_requests_total", ("version", "v2"), ("code", "5xx")) > 0);
        }
        else
        {
            var state = await Poll.UntilAsync(router.StateAsync, s => s.GuardRequests("canary") >= canaryUsers.Count, TimeSpan.FromSeconds(10), "every canary call judged", s => s.Show());
            Assert.Equal("Progressing", state.Phase());
            Assert.Equal(0, state["guard"]!["canary"]!["grpcErrors"]!.GetValue<long>());
            Assert.DoesNotContain((await router.EventsAsync()).Objects(), e => e.Text("actor") == "guard");
            Assert.Equal(0, (await router.MetricsAsync()).Sum("canary_requests_total", ("version", "v2"), ("code", "5xx")));
        }
    }

    [Fact]
    public async Task Guard_CanaryServingStreamsOfSeveralSeconds_NotLatencySamplesNotRolledBack()
    {
        const double weight = 50;
        await using var router = await StartAsync("h2c", Release(weight, guard: true, maxP99Ms: 300));
        using var channel = Channel(router, "h2c");
        var client = new Versions.VersionsClient(channel);

        // Each message (the first included, so even the headers) comes 600 ms after the last: 3 s a stream.
        var canaryUsers = Users.Pick("streams", 20, weight, onCanary: true);
        var streams = canaryUsers.Select(async user =>
        {
            using var call = client.Stream(new StreamRequest { Count = 5, IntervalMs = 600 }, User(user), cancellationToken: _patience);
            return await call.ResponseStream.ReadAllAsync(_patience).ToListAsync(_patience);
        });
        var received = await Task.WhenAll(streams);
        Assert.All(received, replies => Assert.Equal(5, replies.Count(r => r.Version == "v2")));
        foreach (var user in Users.Pick("streams", 20, weight, onCanary: false))
        {
            Assert.Equal("v1", (await client.WhichAsync(new WhichRequest(), User(user), cancellationToken: _patience)).Version);
        }

        var state = await Poll.UntilAsync(router.StateAsync, s => s.GuardRequests("canary") >= 20 && s.GuardRequests("stable") >= 20,
            TimeSpan.FromSeconds(10), "every call judged", s => s.Show());
        Assert.Equal("Progressing", state.Phase());
        Assert.Equal(0, state["guard"]!["canary"]!["latencySamples"]!.GetValue<long>());
        Assert.Equal(0, state["guard"]!["canary"]!["slow"]!.GetValue<long>());
        Assert.DoesNotContain((await router.EventsAsync()).Objects(), e => e.Text("actor") == "guard");
    }

    private static Metadata Pick(string version) => version == "v2" ? new Metadata { { "x-pick", "v2" } } : [];

    private static Metadata User(string user) => new() { { "x-user-id", user } };

    private JsonObject Release(double weight, bool guard, double maxP99Ms = 1000) => new()
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = weight,
        ["UserKey"] = new JsonArray("header:X-User-Id"),
        ["Guard"] = new JsonObject { ["Enabled"] = guard, ["WindowSeconds"] = 60, ["MinRequests"] = 5, ["MaxP99Ms"] = maxP99Ms },
        ["Segments"] = new JsonArray(new JsonObject { ["Name"] = "pick", ["Header"] = "X-Pick", ["Values"] = new JsonArray("v2"), ["Version"] = "v2" }),
        ["Routes"] = new JsonObject
        {
            ["rpc"] = new JsonObject { ["Path"] = "/canary.tests.Versions/{**method}", ["Versions"] = new JsonObject { ["v1"] = _v1.Cluster(), ["v2"] = _v2.Cluster() } },
        },
    };

    /// <param name="listener"><c>h2c</c>: plaintext HTTP/2 with prior knowledge; <c>tls</c>: https with the test's certificate, HTTP/2 by ALPN.</param>
    private Task<LiveRouter> StartAsync(string listener, JsonObject release) => LiveRouter.StartAsync(release, (r, folder) =>
    {
        if (listener == "h2c")
        {
            r["Http2Cleartext"] = true;
            return;
        }

        r["PublicUrls"] = "https://127.0.0.1:0";
        var (certificate, key) = _certificate.WritePem(folder);
        r["Tls"] = new JsonObject { ["CertificatePath"] = Path.GetFileName(certificate), ["KeyPath"] = Path.GetFileName(key) };
    });

    private GrpcChannel Channel(LiveRouter router, string listener) => GrpcChannel.ForAddress(router.Host.PublicAddress, new GrpcChannelOptions
    {
        HttpHandler = listener == "tls" ? _certificate.Trusting() : new SocketsHttpHandler(),
        DisposeHttpClient = true,
    });
}

using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using CsCheck;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// The HTTP shapes real services use, through the real router to real Kestrel backends. v1 is stable at weight 0;
/// header <c>X-Pick: v2</c> is a segment to v2.
/// </summary>
public sealed class HttpShapesTests : IAsyncLifetime
{
    private const long Gigabyte = 1L << 30;
    // Each test's own budget (xunit makes an instance per test); a gigabyte through a loaded 2-core machine takes its time.
    private readonly CancellationToken _patience = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;

    private ShapesBackend _v1 = null!;
    private ShapesBackend _v2 = null!;
    private EchoBackend _echo = null!;
    private LiveRouter _router = null!;

    public async Task InitializeAsync()
    {
        _v1 = await ShapesBackend.StartAsync("v1");
        _v2 = await ShapesBackend.StartAsync("v2");
        _echo = await EchoBackend.StartAsync("v1");
        _router = await LiveRouter.StartAsync(new JsonObject
        {
            ["Stable"] = "v1",
            ["Canary"] = "v2",
            ["Weight"] = 0,
            ["Guard"] = new JsonObject { ["Enabled"] = false },
            ["Segments"] = new JsonArray(new JsonObject { ["Name"] = "pick", ["Header"] = "X-Pick", ["Values"] = new JsonArray("v2"), ["Version"] = "v2" }),
            ["Routes"] = new JsonObject
            {
                ["app"] = MaxBody(LiveRouter.Route("/app/{**rest}", ("v1", [_v1.Url]), ("v2", [_v2.Url]))),
                ["echo"] = LiveRouter.Route("/echo/{**rest}", ("v1", [_echo.Url]), ("v2", [_echo.Url])),
            },
        });
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        await _echo.DisposeAsync();
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task WebSocket_EchoThroughEachVersion_CountedOnce(string version)
    {
        using var socket = new ClientWebSocket();
        if (version == "v2")
        {
            socket.Options.SetRequestHeader("X-Pick", "v2");
        }

        await socket.ConnectAsync(new Uri($"ws://{_router.Host.PublicAddress.Authority}/app/ws"), _patience);
        foreach (var message in new[] { "one", "two" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, _patience);
            var buffer = new byte[256];
            var received = await socket.ReceiveAsync(buffer, _patience);
            Assert.Equal($"{version}:{message}", Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, _patience);
        var counted = await CountedAsync(version, 1);
        Assert.Equal(1, counted);
    }

    [Fact]
    public async Task Sse_EachEventDeliveredBeforeTheNextIsWritten()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.Host.PublicAddress, "/app/sse?n=3"));
        request.Headers.Add("X-Pick", "v2");

        // YARP sends the response headers with the first body bytes, so the first event is let go before the request.
        _v2.ReleaseEvent();
        using var response = await _router.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _patience);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_patience));

        for (var i = 0; i < 3; i++)
        {
            // The backend writes event i only after event i-1 arrived here: were anything buffered on the way, this read would never end.
            if (i > 0)
            {
                _v2.ReleaseEvent();
            }

            Assert.Equal($"id: {i}", await reader.ReadLineAsync(_patience));
            Assert.Equal($"data: v2 event {i}", await reader.ReadLineAsync(_patience));
            Assert.Equal("", await reader.ReadLineAsync(_patience));
        }

        Assert.Null(await reader.ReadLineAsync(_patience));
    }

    [Fact]
    public async Task Download_OneGigabyteChunked_EveryByteWithMemoryFlat()
    {
        using var memory = MemoryWatch.Start();
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // the budget is _patience, not HttpClient's 30 s
        using var response = await client.GetAsync(new Uri(_router.Host.PublicAddress, $"/app/download?bytes={Gigabyte}"), HttpCompletionOption.ResponseHeadersRead, _patience);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);

        await using var body = await response.Content.ReadAsStreamAsync(_patience);
        var buffer = new byte[64 * 1024];
        long offset = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, _patience)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != ShapesBackend.ByteAt(offset + i))
                {
                    Assert.Fail($"byte {offset + i} changed");
                }
            }

            offset += read;
        }

        Assert.Equal(Gigabyte, offset);
        memory.AssertGrewLessThan(50 << 20);
    }

    [Fact]
    public async Task Upload_OneGigabyteChunkedWith100Continue_BackendReadsEveryByteWithMemoryFlat()
    {
        using var memory = MemoryWatch.Start();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.Host.PublicAddress, "/app/upload")) { Content = new GeneratedContent(Gigabyte) };
        request.Headers.ExpectContinue = true;

        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // the budget is _patience, not HttpClient's 30 s
        using var response = await client.SendAsync(request, _patience);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Gigabyte} {GeneratedContent.Sha256(Gigabyte)}", await response.Content.ReadAsStringAsync(_patience));
        memory.AssertGrewLessThan(50 << 20);
    }

    [Fact]
    public async Task SlowReader_SmallReadsWithPauses_EveryByteArrives()
    {
        const int size = 4 << 20;
        using var response = await _router.Client.GetAsync(new Uri(_router.Host.PublicAddress, $"/app/download?bytes={size}"), HttpCompletionOption.ResponseHeadersRead, _patience);
        await using var body = await response.Content.ReadAsStreamAsync(_patience);
        var buffer = new byte[16 * 1024];
        long offset = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, _patience)) > 0)
        {
            Assert.Equal(ShapesBackend.ByteAt(offset + read - 1), buffer[read - 1]);
            offset += read;
            await Task.Delay(2, _patience);
        }

        Assert.Equal(size, offset);
    }

    [Fact]
    public async Task HeadAndConditionalGet_HeadersKeptAnd304Passed()
    {
        using var head = await _router.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(_router.Host.PublicAddress, "/app/etag")), _patience);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.Host.PublicAddress, "/app/etag"));
        conditional.Headers.TryAddWithoutValidation("If-None-Match", ShapesBackend.ETag);
        using var notModified = await _router.Client.SendAsync(conditional, _patience);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(11, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(_patience));
        Assert.Equal(ShapesBackend.ETag, head.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(ShapesBackend.ETag, notModified.Headers.ETag!.ToString());
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync(_patience));
    }

    [Fact]
    public async Task ClientGoneMidResponse_BackendSeesTheAbortAndRouterServesOn()
    {
        using (var response = await _router.Client.GetAsync(new Uri(_router.Host.PublicAddress, "/app/endless"), HttpCompletionOption.ResponseHeadersRead, _patience))
        {
            await using var body = await response.Content.ReadAsStreamAsync(_patience);
            await body.ReadExactlyAsync(new byte[100_000], _patience);
        }

        while (_v1.Aborted == 0)
        {
            await Task.Delay(20, _patience);
        }

        var next = await _router.GetAsync("/app/etag");
        Assert.Equal(HttpStatusCode.OK, next.Status);
    }

    [Fact]
    public void BodiesAndEndToEndHeaders_NeverChangedOnTheWay()
    {
        var name = Gen.String[Gen.Char.AlphaNumeric, 1, 12].Select(s => "X-P-" + s);
        var value = Gen.String[Gen.Char['!', '~'], 1, 40];
        var gen = Gen.Select(Gen.Select(name, value).Array[0, 6], Gen.Byte.Array[0, 20_000]);

        gen.Sample(
            (headers, body) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.Host.PublicAddress, "/echo/any")) { Content = new ByteArrayContent(body) };
                var sent = headers.DistinctBy(h => h.Item1, StringComparer.OrdinalIgnoreCase).ToArray();
                foreach (var (header, text) in sent)
                {
                    request.Headers.TryAddWithoutValidation(header, text);
                }

                using var response = _router.Client.Send(request, _patience);
                var reply = response.Content.ReadAsStringAsync(_patience).GetAwaiter().GetResult();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers} {response.Content.Headers} [{reply}]");
                var echo = EchoReply.Parse(reply);
                using var upload = new HttpRequestMessage(HttpMethod.Post, new Uri(_router.Host.PublicAddress, "/app/upload")) { Content = new ByteArrayContent(body) };
                using var uploaded = _router.Client.Send(upload, _patience);
                var answer = uploaded.Content.ReadAsStringAsync(_patience).GetAwaiter().GetResult();
                return sent.All(h => echo.Header(h.Item1) == h.Item2)
                    && echo.BodyBytes == body.Length
                    && answer == $"{body.Length} {Convert.ToHexString(SHA256.HashData(body))}";
            },
            seed: "0N0XIzNsQ0O2", iter: 60, threads: 1);
    }

    /// <summary>No body limit, and the backend's own paths (<c>/app/sse</c> reaches it as <c>/sse</c>).</summary>
    private static JsonObject MaxBody(JsonObject route)
    {
        route["MaxRequestBodySize"] = -1;
        route["Transforms"] = new JsonArray(new JsonObject { ["PathRemovePrefix"] = "/app" });
        return route;
    }

    private async Task<double> CountedAsync(string version, double atLeast)
    {
        while (true)
        {
            var counted = (await _router.MetricsAsync()).Sum("canary_requests_total", ("version", version), ("route", "app"));
            if (counted >= atLeast || _patience.IsCancellationRequested)
            {
                return counted;
            }

            await Task.Delay(20, _patience);
        }
    }

    /// <summary>A request body of generated bytes, sent chunked (no length), never held in memory.</summary>
    private sealed class GeneratedContent(long size) : HttpContent
    {
        public static string Sha256(long size)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            for (long offset = 0; offset < size; offset += buffer.Length)
            {
                var count = (int)Math.Min(buffer.Length, size - offset);
                Fill(buffer.AsSpan(0, count), offset);
                hash.AppendData(buffer, 0, count);
            }

            return Convert.ToHexString(hash.GetHashAndReset());
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var buffer = new byte[64 * 1024];
            for (long offset = 0; offset < size; offset += buffer.Length)
            {
                var count = (int)Math.Min(buffer.Length, size - offset);
                Fill(buffer.AsSpan(0, count), offset);
                await stream.WriteAsync(buffer.AsMemory(0, count));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        private static void Fill(Span<byte> buffer, long offset)
        {
            for (var i = 0; i < buffer.Length; i++)
            {
                buffer[i] = ShapesBackend.ByteAt(offset + i);
            }
        }
    }

    /// <summary>
    /// The test process's peak working set while a transfer runs (router, backends and client all live here, so a
    /// buffer anywhere on the way shows), sampled every 10 ms.
    /// </summary>
    private sealed class MemoryWatch : IDisposable
    {
        private readonly long _baseline;
        private readonly Timer _timer;
        private long _peak;

        private MemoryWatch()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            _baseline = Process.GetCurrentProcess().WorkingSet64;
            _peak = _baseline;
            _timer = new Timer(_ => Sample(), null, 0, 10);
        }

        public static MemoryWatch Start() => new();

        public void AssertGrewLessThan(long bytes)
        {
            Sample();
            var grown = Interlocked.Read(ref _peak) - _baseline;
            Assert.True(grown < bytes, $"the working set grew by {grown >> 20} MB during the transfer (at most {bytes >> 20} MB allowed)");
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            using var process = Process.GetCurrentProcess();
            var now = process.WorkingSet64;
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
    }
}

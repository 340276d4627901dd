using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.FunctionalTests.Guard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Canary.Router.FunctionalTests.Routing;

/// <summary>
/// Response trailers pass through the real router unchanged, from a backend over h2c (Kestrel) or HTTP/1.1 chunked
/// (<see cref="ChunkedTrailersBackend"/>) to a client over HTTP/2 (TLS, by ALPN). An HTTP/1.1 client gets the body
/// whole but no trailers: Kestrel, the router's server, sends response trailers over HTTP/2 and HTTP/3 only.
/// </summary>
public sealed class TrailersTests : IAsyncLifetime
{
    private const string Body = "body before the trailers";
    private static readonly (string Name, string Value)[] Trailers = [("x-checksum", "sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), ("x-note", "a=1; b=\"two\"")];

    private readonly TestCertificate _certificate = TestCertificate.Create();
    private KestrelApp _h2 = null!;
    private ChunkedTrailersBackend _h1 = null!;
    private LiveRouter _router = null!;

    public async Task InitializeAsync()
    {
        _h2 = await StartH2BackendAsync();
        _h1 = ChunkedTrailersBackend.Start(Body, Trailers);
        _router = await LiveRouter.StartAsync(
            new JsonObject
            {
                ["Stable"] = "v1",
                ["Routes"] = new JsonObject
                {
                    ["h2"] = new JsonObject
                    {
                        ["Path"] = "/h2/{**rest}",
                        ["Versions"] = new JsonObject
                        {
                            ["v1"] = new JsonObject
                            {
                                ["Destinations"] = new JsonObject { ["d0"] = new JsonObject { ["Address"] = _h2.Destination } },
                                ["HttpRequest"] = new JsonObject { ["Version"] = "2", ["VersionPolicy"] = "RequestVersionExact" },
                            },
                        },
                    },
                    ["h1"] = LiveRouter.Route("/h1/{**rest}", ("v1", [_h1.Destination])),
                },
            },
            (r, folder) =>
            {
                r["PublicUrls"] = "https://127.0.0.1:0";
                var (certificate, key) = _certificate.WritePem(folder);
                r["Tls"] = new JsonObject { ["CertificatePath"] = Path.GetFileName(certificate), ["KeyPath"] = Path.GetFileName(key) };
            });
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _h2.DisposeAsync();
        _h1.Dispose();
        _certificate.Dispose();
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("h1")]
    public async Task GetOverHttp2_BackendSendsTrailers_ClientReceivesThemUnchanged(string backend)
    {
        using var response = await GetAsync(HttpVersion.Version20, $"/{backend}/trailers");
        var body = await response.Content.ReadAsStringAsync(); // trailers come after the body

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(Body, body);
        foreach (var (name, value) in Trailers)
        {
            Assert.True(response.TrailingHeaders.TryGetValues(name, out var values), $"trailer {name} missing; got: {response.TrailingHeaders}");
            Assert.Equal(value, Assert.Single(values));
        }
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("h1")]
    public async Task GetOverHttp11_BackendSendsTrailers_BodyWhole(string backend)
    {
        using var response = await GetAsync(HttpVersion.Version11, $"/{backend}/trailers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(Body, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> GetAsync(Version version, string path)
    {
        using var client = new HttpClient(_certificate.Trusting());
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_router.Host.PublicAddress, path)) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TE.ParseAdd("trailers");
        return await client.SendAsync(request);
    }

    private static Task<KestrelApp> StartH2BackendAsync() => KestrelApp.StartAsync(
        app => app.MapGet("/h2/trailers", async (HttpContext context) =>
        {
            foreach (var (name, _) in Trailers)
            {
                context.Response.DeclareTrailer(name);
            }

            await context.Response.WriteAsync(Body);
            foreach (var (name, value) in Trailers)
            {
                context.Response.AppendTrailer(name, value);
            }
        }),
        builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2)));
}

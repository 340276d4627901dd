using System.Net;
using System.Text.Json.Nodes;
using Canary.Router.Configuration;
using Canary.Router.FunctionalTests.Guard;
using Canary.Router.FunctionalTests.Routing;

namespace Canary.Router.FunctionalTests.Hosting;

/// <summary>
/// The public listener's TLS and protocols, with a certificate the test makes: HTTP/1.1 and HTTP/2 by ALPN over
/// PEM or PFX certificates, h2c when asked, forwarded headers believed from configured proxies only.
/// </summary>
public sealed class ListenerTests : IAsyncLifetime
{
    private readonly TestCertificate _certificate = TestCertificate.Create();
    private EchoBackend _v1 = null!;
    private EchoBackend _v2 = null!;

    public async Task InitializeAsync()
    {
        _v1 = await EchoBackend.StartAsync("v1");
        _v2 = await EchoBackend.StartAsync("v2");
    }

    public async Task DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _certificate.Dispose();
    }

    [Theory]
    [InlineData("pem", "1.1")]
    [InlineData("pem", "2.0")]
    [InlineData("pfx", "2.0")]
    public async Task Get_OverTls_ServedInTheAskedVersionWithSecureCookie(string format, string version)
    {
        await using var router = await StartAsync((r, folder) =>
        {
            r["PublicUrls"] = "https://127.0.0.1:0";
            if (format == "pem")
            {
                var (certificate, key) = _certificate.WritePem(folder);
                r["Tls"] = new JsonObject { ["CertificatePath"] = Path.GetFileName(certificate), ["KeyPath"] = Path.GetFileName(key) };
            }
            else
            {
                r["Tls"] = new JsonObject { ["CertificatePath"] = Path.GetFileName(_certificate.WritePfx(folder, "secret")), ["Password"] = "secret" };
            }
        });
        using var client = new HttpClient(_certificate.Trusting());
        Assert.Equal("https", router.Host.PublicAddress.Scheme);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.Host.PublicAddress, "/app/page"))
        {
            Version = Version.Parse(version),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Matches("^v[12]$", EchoReply.Parse(await response.Content.ReadAsStringAsync()).Version);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_H2cPriorKnowledgeWhenAsked_ServedOverHttp2()
    {
        await using var router = await StartAsync((r, _) => r["Http2Cleartext"] = true);
        using var client = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.Host.PublicAddress, "/app/page"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [Fact]
    public async Task Get_H2cNotAsked_RefusedOnPlaintext()
    {
        await using var router = await StartAsync((_, _) => { });
        using var client = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.Host.PublicAddress, "/app/page"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Get_ForwardedProtoHttps_SecureCookieOnlyFromATrustedProxy(bool trusted)
    {
        await using var router = await StartAsync((r, _) =>
        {
            if (trusted)
            {
                r["ForwardedHeaders"] = new JsonObject { ["KnownProxies"] = new JsonArray("127.0.0.1") };
            }
        });

        using var raw = new HttpRequestMessage(HttpMethod.Get, new Uri(router.Host.PublicAddress, "/app/page"));
        raw.Headers.Add("X-Forwarded-Proto", "https");
        raw.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await router.Client.SendAsync(raw);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Equal(trusted, cookie.Contains("secure", StringComparison.OrdinalIgnoreCase));
        var echo = EchoReply.Parse(await response.Content.ReadAsStringAsync());
        // The backend learns the user's address only when the router believed the proxy that gave it.
        Assert.Equal(trusted, echo.Header("X-Forwarded-For")?.Contains("203.0.113.7", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task StartAsync_BadListenerSettings_EveryProblemListed()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => StartAsync((r, _) =>
        {
            r["Tls"] = new JsonObject { ["CertificatePath"] = "" };
            r["Http2Cleartext"] = true;
            r["PublicUrls"] = "https://127.0.0.1:0";
            r["ForwardedHeaders"] = new JsonObject { ["KnownProxies"] = new JsonArray("proxy.local"), ["KnownNetworks"] = new JsonArray("10.0.0.0/99") };
        }));

        Assert.Contains(error.Problems, p => p.Path == "Router.Tls.CertificatePath");
        Assert.Contains(error.Problems, p => p.Path == "Router.Http2Cleartext");
        Assert.Contains(error.Problems, p => p.Path == "Router.ForwardedHeaders.KnownProxies[0]");
        Assert.Contains(error.Problems, p => p.Path == "Router.ForwardedHeaders.KnownNetworks[0]");
    }

    [Fact]
    public async Task StartAsync_CertificateFileNotACertificate_ProblemNamesIt()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => StartAsync((r, folder) =>
        {
            File.WriteAllText(Path.Combine(folder, "cert.pfx"), "not a certificate");
            r["PublicUrls"] = "https://127.0.0.1:0";
            r["Tls"] = new JsonObject { ["CertificatePath"] = "cert.pfx" };
        }));

        Assert.Equal("Router.Tls.CertificatePath", Assert.Single(error.Problems).Path);
    }

    private Task<LiveRouter> StartAsync(Action<JsonObject, string> router) => LiveRouter.StartAsync(new JsonObject
    {
        ["Stable"] = "v1",
        ["Canary"] = "v2",
        ["Weight"] = 50,
        ["Routes"] = new JsonObject { ["app"] = LiveRouter.Route("/app/{**rest}", ("v1", [_v1.Url]), ("v2", [_v2.Url])) },
    }, router);
}

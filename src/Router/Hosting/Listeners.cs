using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Canary.Router.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Canary.Router.Hosting;

/// <summary>
/// TLS and protocols of the router's listeners. https:// URLs use router.json's Tls certificate or, without one,
/// Kestrel's own configuration (<c>Kestrel__Certificates__Default__Path</c> and the rest), and offer HTTP/1.1 and
/// HTTP/2 by ALPN. Plaintext URLs speak HTTP/1.1, or HTTP/2 with prior knowledge (h2c) when Http2Cleartext asks.
/// HTTP/3 is not offered: it needs libmsquic, which the router's platforms do not ship.
/// </summary>
internal static class Listeners
{
    /// <param name="inlineScheduling">
    /// Requests run on the socket's thread (<see cref="RuntimeDefaults.InlineScheduling"/>): only for a listener whose
    /// request path never blocks, since a blocked epoll thread stalls every connection it serves.
    /// </param>
    public static void Configure(WebApplicationBuilder builder, RouterCore core, bool http2Cleartext, bool inlineScheduling)
    {
        if (inlineScheduling)
        {
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        var certificate = core.Options.Tls is { } tls ? Load(tls, core.ConfigPath) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (certificate is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }

            if (http2Cleartext)
            {
                // Kestrel serves prior-knowledge HTTP/2 on plaintext only when HTTP/2 is the endpoint's one protocol.
                kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
            }
        });
    }

    /// <summary>
    /// X-Forwarded-For/Proto/Host from the configured proxies only (ASP.NET's defaults, which trust loopback, are
    /// cleared): the request's scheme then says https behind a TLS-terminating balancer, so cookies get Secure.
    /// </summary>
    public static void UseForwardedHeaders(WebApplication app, ForwardedHeadersTrust? trust)
    {
        if (trust is null)
        {
            return;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedHost,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in trust.KnownProxies)
        {
            options.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        }

        foreach (var network in trust.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        app.UseForwardedHeaders(options);
    }

    private static X509Certificate2 Load(TlsOptions tls, string configPath)
    {
        var folder = Path.GetDirectoryName(configPath)!;
        var path = Path.GetFullPath(Path.Combine(folder, tls.CertificatePath));
        try
        {
            if (tls.KeyPath is not null)
            {
                using var pem = tls.Password is null
                    ? X509Certificate2.CreateFromPemFile(path, Path.GetFullPath(Path.Combine(folder, tls.KeyPath)))
                    : X509Certificate2.CreateFromEncryptedPemFile(path, tls.Password, Path.GetFullPath(Path.Combine(folder, tls.KeyPath)));

                // An ephemeral PEM key cannot serve TLS on every platform: a PKCS#12 round trip makes it a stored one.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, tls.Password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(configPath, [new ConfigProblem(tls.KeyPath is null ? "Router.Tls.CertificatePath" : "Router.Tls", $"\"{tls.CertificatePath}\"", "cannot be loaded as a certificate with its private key: " + e.Message)]);
        }
    }
}

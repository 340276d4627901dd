using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Canary.Testing;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, made by the test (no file, no store), and the
/// client-side check that trusts exactly it.
/// </summary>
internal sealed class TestCertificate : IDisposable
{
    private TestCertificate(X509Certificate2 certificate) => Certificate = certificate;

    public X509Certificate2 Certificate { get; }

    public static TestCertificate Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=canary-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificate(request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1)));
    }

    /// <summary>Writes the certificate and its key as PEM files; returns their paths.</summary>
    public (string Certificate, string Key) WritePem(string folder)
    {
        var certificate = Path.Combine(folder, "cert.pem");
        var key = Path.Combine(folder, "key.pem");
        File.WriteAllText(certificate, Certificate.ExportCertificatePem());
        File.WriteAllText(key, Certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }

    /// <summary>Writes the certificate and its key as one PFX file with <paramref name="password"/>; returns its path.</summary>
    public string WritePfx(string folder, string password)
    {
        var path = Path.Combine(folder, "cert.pfx");
        File.WriteAllBytes(path, Certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>A handler that accepts this certificate and no other.</summary>
    public SocketsHttpHandler Trusting() => new()
    {
        UseCookies = false,
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString() },
    };

    public void Dispose() => Certificate.Dispose();
}

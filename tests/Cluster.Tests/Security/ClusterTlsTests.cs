using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RaftTimers.Cluster.Security;

namespace RaftTimers.Tests;

/// <summary>What the members' TLS trusts: certificates its CA signed, nothing else; and what stops a node at start.</summary>
public sealed class ClusterTlsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "rafttimers-tls-" + Guid.NewGuid().ToString("N")[..8]);

    public ClusterTlsTests() => Directory.CreateDirectory(directory);

    [Fact]
    public void A_peer_is_trusted_when_the_clusters_CA_signed_it_and_not_when_another_did()
    {
        using var ca = Authority("cluster");
        using var other = Authority("other");
        using var tls = Load(ca, Signed(ca, "n1"));
        using var peer = Signed(ca, "n2");
        using var stranger = Signed(other, "n2");
        using var selfSigned = Authority("n2");

        Assert.True(tls.ValidatePeer(this, peer, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(tls.ValidatePeer(this, stranger, null, SslPolicyErrors.None));
        Assert.False(tls.ValidatePeer(this, selfSigned, null, SslPolicyErrors.None));
        Assert.False(tls.ValidatePeer(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void A_node_certificate_another_CA_signed_stops_the_node_at_start()
    {
        using var ca = Authority("cluster");
        using var other = Authority("other");
        using var mine = Signed(other, "n1");

        var refused = Assert.Throws<InvalidOperationException>(() => Load(ca, mine));
        Assert.Contains("is not signed by the cluster CA", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Raft_port_asks_every_client_for_a_certificate_and_shows_its_own()
    {
        using var ca = Authority("cluster");
        using var tls = Load(ca, Signed(ca, "n1"));
        var options = tls.RaftOptions();

        Assert.True(options.ServerOptions.ClientCertificateRequired);
        Assert.Same(tls.Certificate, options.ServerOptions.ServerCertificate);
        Assert.Contains(tls.Certificate, options.ClientOptions.ClientCertificates!.Cast<X509Certificate>());
    }

    private ClusterTls Load(X509Certificate2 ca, X509Certificate2 node)
    {
        var name = Guid.NewGuid().ToString("N")[..6];
        var caPath = Path.Combine(directory, name + "-ca.crt");
        var certificatePath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certificatePath, node.ExportCertificatePem());
        File.WriteAllText(keyPath, node.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        node.Dispose();
        return ClusterTls.Load(certificatePath, keyPath, caPath);
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Signed(X509Certificate2 ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-4), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        return certificate.CopyWithPrivateKey(key);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}

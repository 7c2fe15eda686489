using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DotNext.Net.Security;

namespace RaftTimers.Cluster.Security;

/// <summary>
/// The members' mutual TLS (docs/security.md): each node has a certificate and key signed by the cluster's CA, and
/// trusts exactly the certificates that CA signed. On the Raft port both ends must show one, so a process that can
/// reach the port but holds no certificate of the cluster cannot vote, append, install a snapshot or change the
/// membership; a plain connection fails its handshake. Peers are known by address, so names in certificates are not
/// checked; the chain to the cluster's CA is. The same trust applies to a peer's HTTPS API when a node forwards to it.
/// </summary>
public sealed class ClusterTls : IDisposable
{
    private readonly X509Certificate2Collection authorities;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        this.authorities = authorities;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Loads the node's PEM certificate and key and the cluster CA's PEM certificate(s). Throws
    /// <see cref="InvalidOperationException"/> naming what is wrong, so that a node stops at start rather than run a
    /// Raft port no peer can talk to.
    /// </summary>
    public static ClusterTls Load(string certificatePath, string keyPath, string authorityPath)
    {
        X509Certificate2 certificate;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // A key loaded from PEM is ephemeral; SslStream on Linux wants it exportable through a PKCS#12 round trip.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot load this node's certificate {certificatePath} with key {keyPath}: {e.Message}", e);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(authorityPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"cannot load the cluster CA {authorityPath}: {e.Message}", e);
        }

        if (authorities.Count == 0)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"the cluster CA file {authorityPath} holds no certificate");
        }

        var tls = new ClusterTls(certificate, authorities);
        if (!tls.IsTrusted(certificate))
        {
            tls.Dispose();
            throw new InvalidOperationException($"this node's certificate {certificatePath} is not signed by the cluster CA in {authorityPath}");
        }

        return tls;
    }

    /// <summary>The Raft transport's TLS: the server asks every client for a certificate, and each end checks the other's.</summary>
    public SslOptions RaftOptions()
    {
        var options = new SslOptions();
        options.ServerOptions.ServerCertificate = Certificate;
        options.ServerOptions.ClientCertificateRequired = true;
        options.ServerOptions.RemoteCertificateValidationCallback = ValidatePeer;
        options.ClientOptions.ClientCertificates = [Certificate];
        options.ClientOptions.RemoteCertificateValidationCallback = ValidatePeer;
        return options;
    }

    /// <summary>A callback for <see cref="SslStream"/>: the peer showed a certificate, and the cluster's CA signed it.</summary>
    public bool ValidatePeer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return false;
        if (certificate is X509Certificate2 full)
            return IsTrusted(full);
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return IsTrusted(copy);
    }

    private bool IsTrusted(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in authorities)
            authority.Dispose();
    }
}

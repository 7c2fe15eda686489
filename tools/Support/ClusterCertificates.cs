using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RaftTimers.Support;

/// <summary>
/// A throwaway certificate authority for one local cluster and a certificate per node it signs, in DIR/tls as PEM
/// files (keys readable by their owner only), for <c>tools/cluster</c> and the fault harness. Nodes get them through
/// their TLS settings (<see cref="NodeArguments"/>), so the Raft port speaks only mutual TLS among the cluster's
/// members. For local and test clusters only: a production cluster's CA key belongs somewhere safer than next to the
/// nodes' data.
/// </summary>
public static class ClusterCertificates
{
    public const string Directory = "tls";

    public static string CaCertificate(string dataRoot) => Path.Combine(dataRoot, Directory, "ca.crt");

    public static string CertificateOf(string dataRoot, string nodeId) => Path.Combine(dataRoot, Directory, nodeId + ".crt");

    public static string KeyOf(string dataRoot, string nodeId) => Path.Combine(dataRoot, Directory, nodeId + ".key");

    private static string CaKey(string dataRoot) => Path.Combine(dataRoot, Directory, "ca.key");

    /// <summary>Makes the CA unless it exists, and a certificate for every node that has none.</summary>
    public static void Ensure(string dataRoot, string host, IEnumerable<string> nodeIds)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(dataRoot, Directory));
        if (!File.Exists(CaCertificate(dataRoot)))
            MakeAuthority(dataRoot);
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(CaKey(dataRoot)));
        using var caPublic = X509Certificate2.CreateFromPem(File.ReadAllText(CaCertificate(dataRoot)));
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        foreach (var id in nodeIds)
        {
            if (!File.Exists(CertificateOf(dataRoot, id)))
                MakeNode(dataRoot, ca, id, host);
        }
    }

    /// <summary>The node's TLS settings: its certificate and key and the cluster's CA, made by <see cref="Ensure"/>.</summary>
    public static string[] NodeArguments(string dataRoot, string nodeId) =>
    [
        $"--RaftTimers:Security:Tls:CertificatePath={CertificateOf(dataRoot, nodeId)}",
        $"--RaftTimers:Security:Tls:KeyPath={KeyOf(dataRoot, nodeId)}",
        $"--RaftTimers:Security:Tls:CaPath={CaCertificate(dataRoot)}",
    ];

    private static void MakeAuthority(string dataRoot)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=RaftTimers local cluster CA {Guid.NewGuid():N}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
        WritePrivate(CaKey(dataRoot), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CaCertificate(dataRoot), certificate.ExportCertificatePem());
    }

    private static void MakeNode(string dataRoot, X509Certificate2 ca, string nodeId, string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeId}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(nodeId);
        names.AddIpAddress(IPAddress.Loopback);
        if (IPAddress.TryParse(host, out var address) && !address.Equals(IPAddress.Loopback))
            names.AddIpAddress(address);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1), serial);
        WritePrivate(KeyOf(dataRoot, nodeId), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CertificateOf(dataRoot, nodeId), certificate.ExportCertificatePem());
    }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}

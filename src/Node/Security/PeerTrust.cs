using System.Net.Security;
using RaftTimers.Cluster.Security;

namespace RaftTimers.Node.Security;

/// <summary>
/// How a node checks another member's HTTPS API (forwarding, admin forwarding, clock samples, the members overview):
/// a certificate the system trusts, or, with the cluster's TLS on, one its CA signed. A node with TLS shows its own
/// certificate too. Also the rule that a secret (a bearer token) goes to a peer only over TLS or on loopback.
/// </summary>
public static class PeerTrust
{
    public static SslClientAuthenticationOptions ClientOptions(ClusterTls? tls) => tls is null
        ? new SslClientAuthenticationOptions()
        : new SslClientAuthenticationOptions
        {
            ClientCertificates = [tls.Certificate],
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors)
                => errors == SslPolicyErrors.None || tls.ValidatePeer(sender, certificate, chain, errors),
        };

    /// <summary>
    /// Whether a bearer token may be sent to <paramref name="peer"/>: over https, or to a loopback address, where it
    /// never leaves the machine. Over plain http on a network it could be read by anyone on the path.
    /// </summary>
    public static bool MayCarrySecrets(Uri peer) => peer.Scheme == Uri.UriSchemeHttps || peer.IsLoopback;

    public static string WhyNotSecret(Uri peer)
        => $"the API token is not sent in clear to {peer.GetLeftPart(UriPartial.Authority)}: give the nodes https API URLs (--http https://...) "
           + "with a certificate the other nodes trust (docs/security.md)";
}

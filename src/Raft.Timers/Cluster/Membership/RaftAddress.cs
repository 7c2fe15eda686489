using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace RaftTimers.Cluster.Membership;

/// <summary>
/// A member's Raft address as people write it: <c>IP:port</c> (IPv6 in brackets), <c>localhost:port</c>, or
/// <c>name:port</c>. An IP stays an <see cref="IPEndPoint"/> and <c>localhost</c> is 127.0.0.1, as they always were,
/// so the membership stored by an older build names the same members. A name becomes a <see cref="DnsEndPoint"/>: the
/// Raft transport resolves it on every connect, so a member that comes back on another IP (a rescheduled pod behind a
/// StatefulSet's stable name) is found again without touching the configuration. The name is the identity: every
/// member must be configured with the same spelling, which <see cref="TryParse"/> keeps in lower case.
/// </summary>
public static class RaftAddress
{
    /// <summary>Parses <paramref name="text"/>; false when it is not <c>host:port</c> with a port in 1..65535 and a valid host.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out EndPoint? address)
    {
        address = null;
        if (IPEndPoint.TryParse(text, out var ip))
        {
            // IPEndPoint.TryParse takes a bare IP with port 0; a member needs a port.
            if (ip.Port == 0)
                return false;
            address = ip;
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        var host = text[..colon];
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }

        if (!IsHostName(host))
            return false;
        address = new DnsEndPoint(host.ToLowerInvariant(), port);
        return true;
    }

    /// <summary>A host name as RFC 1123 has it: dot-separated labels of 1-63 letters, digits and inner hyphens, 253 characters at most.</summary>
    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253)
            return false;
        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>host:port</c>: how an address is shown, matched and published. <see cref="DnsEndPoint.ToString"/> would
    /// prefix the address family ("Unspecified/…").
    /// </summary>
    public static string Format(EndPoint? address) => address switch
    {
        DnsEndPoint name => string.Create(CultureInfo.InvariantCulture, $"{name.Host}:{name.Port}"),
        null => "",
        _ => address.ToString() ?? "",
    };

    /// <summary>
    /// Where this node listens for Raft when <paramref name="address"/> names it: the IP itself, or every IPv4
    /// interface on the port for a name, which resolves to an address of this host only from the other members' view.
    /// </summary>
    public static IPEndPoint ListenEndPoint(EndPoint address) => address switch
    {
        IPEndPoint ip => ip,
        DnsEndPoint name => new IPEndPoint(IPAddress.Any, name.Port),
        _ => throw new ArgumentException($"unsupported Raft address {address.GetType().Name}", nameof(address)),
    };

    /// <summary>The port of an <see cref="IPEndPoint"/> or <see cref="DnsEndPoint"/>.</summary>
    public static int PortOf(EndPoint address) => address switch
    {
        IPEndPoint ip => ip.Port,
        DnsEndPoint name => name.Port,
        _ => throw new ArgumentException($"unsupported Raft address {address.GetType().Name}", nameof(address)),
    };

    /// <summary>Whether <paramref name="address"/> is a loopback IP; a name is taken for a network address.</summary>
    public static bool IsLoopback(EndPoint address) => address is IPEndPoint ip && IPAddress.IsLoopback(ip.Address);
}

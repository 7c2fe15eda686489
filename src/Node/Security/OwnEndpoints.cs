using System.Net;

namespace RaftTimers.Node.Security;

/// <summary>
/// The ports this node listens on (its API and Raft ports) and the addresses of its own machine: a callback to one of
/// those ports on one of those addresses would be a timer calling its own node, whatever the lists allow.
/// </summary>
public sealed class OwnEndpoints
{
    public static readonly OwnEndpoints None = new([], []);

    private readonly HashSet<IPAddress> addresses;

    public OwnEndpoints(IEnumerable<int> ports, IEnumerable<IPAddress> machineAddresses)
    {
        Ports = [.. ports.Distinct().Order()];
        addresses = [.. machineAddresses.Select(CallbackRule.Normalize)];
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>True for one of the node's ports on loopback, an unspecified address, or an address of this machine.</summary>
    public bool Contains(IPAddress address, int port)
    {
        if (!Ports.Contains(port))
            return false;
        var normalized = CallbackRule.Normalize(address);
        return IPAddress.IsLoopback(normalized) || normalized.Equals(IPAddress.Any) || normalized.Equals(IPAddress.IPv6Any)
            || (normalized.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && normalized.GetAddressBytes()[0] == 0)
            || addresses.Contains(normalized);
    }
}

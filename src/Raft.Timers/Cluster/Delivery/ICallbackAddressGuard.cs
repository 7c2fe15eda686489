using System.Net;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Decides whether a callback may open a connection to an address. <see cref="HttpCallbackTransport"/> asks it
/// for every new connection, after DNS resolution and before connecting, so a host name that resolves (or
/// re-resolves, as in DNS rebinding) to a forbidden address is refused even though its URI passed the check
/// at create time. The node implements it with its callback policy.
/// </summary>
public interface ICallbackAddressGuard
{
    /// <summary>
    /// Null when <paramref name="host"/> (the callback URI's host, a name or an IP literal) may be reached at
    /// <paramref name="address"/> and <paramref name="port"/>; otherwise the reason it may not, which ends up in the
    /// timer's <c>lastError</c>.
    /// </summary>
    string? WhyDenied(string host, IPAddress address, int port);
}

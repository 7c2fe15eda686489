using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// How every transport opens a connection to a receiver: resolves the host itself, drops every address the guard
/// refuses, and connects to the first remaining address that answers. Checking the address actually connected to is
/// what makes the callback policy hold against host names that point at forbidden addresses and against DNS
/// rebinding; checking the URI at create time cannot. Plug-in transports that open sockets use it too
/// (docs/transports.md).
/// </summary>
public static class CallbackSockets
{
    /// <summary>
    /// A connected TCP socket to <paramref name="host"/> (a name or an IP literal, IPv6 with or without brackets) and
    /// <paramref name="port"/>. Throws <see cref="CallbackTargetDeniedException"/> when the guard refuses every address
    /// the host has, which no retry can fix, and <see cref="SocketException"/> when no allowed address answers.
    /// With no guard, any address may be reached.
    /// </summary>
    public static async Task<Socket> ConnectAsync(string host, int port, ICallbackAddressGuard? guard, CancellationToken token)
    {
        var addresses = IPAddress.TryParse(host.AsSpan().Trim("[]"), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, token).ConfigureAwait(false);

        string? denial = null;
        ExceptionDispatchInfo? connectFailure = null;
        foreach (var address in addresses)
        {
            if (guard?.WhyDenied(host, address, port) is { } reason)
            {
                denial ??= reason;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, token).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                connectFailure = ExceptionDispatchInfo.Capture(e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        // An allowed address that did not answer is an ordinary, retryable failure; only a host whose every
        // address is refused is the policy's verdict.
        connectFailure?.Throw();
        if (denial is not null)
            throw new CallbackTargetDeniedException(denial);
        throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>The HTTP callback client's connect step (<see cref="SocketsHttpHandler.ConnectCallback"/>); runs only when the pool opens a new connection.</summary>
    internal static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> HttpConnector(ICallbackAddressGuard guard)
        => async (context, token) =>
            new NetworkStream(await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, guard, token).ConfigureAwait(false), ownsSocket: true);
}

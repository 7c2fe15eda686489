using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// The callback client's connect step (<see cref="SocketsHttpHandler.ConnectCallback"/>): resolves the host
/// itself, drops every address the guard refuses, and connects to the first remaining address that answers.
/// Checking the address actually connected to is what makes the callback policy hold against host names that
/// point at forbidden addresses and against DNS rebinding; checking the URI at create time cannot.
/// Runs only when the pool opens a new connection, so it costs nothing per delivery on a kept-alive connection.
/// </summary>
internal sealed class GuardedConnector(ICallbackAddressGuard guard)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken token)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.AsSpan().Trim("[]"), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, token).ConfigureAwait(false);

        string? denial = null;
        ExceptionDispatchInfo? connectFailure = null;
        foreach (var address in addresses)
        {
            if (guard.WhyDenied(host, address, context.DnsEndPoint.Port) is { } reason)
            {
                denial ??= reason;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, context.DnsEndPoint.Port, token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
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
}

using System.Net;
using System.Net.Sockets;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Checks that the ports a start needs are free by binding each one briefly, so a clash fails up front with
/// the port's name instead of as a node that dies during startup. Another process can still take a port
/// between this check and the node's own bind; the readiness wait then reports that node's exit and log.
/// </summary>
internal static class PortCheck
{
    public static void RequireFree(IPAddress host, IEnumerable<(int Port, string Purpose)> ports)
    {
        foreach (var (port, purpose) in ports)
        {
            var listener = new TcpListener(host, port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ToolFailure($"port {port} ({purpose}) is already in use");
            }
            catch (SocketException e)
            {
                throw new ToolFailure($"cannot bind {host}:{port} ({purpose}): {e.Message}");
            }
            finally
            {
                listener.Stop();
            }
        }
    }
}

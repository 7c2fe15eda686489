using System.Net;
using System.Net.Sockets;

namespace RaftTimers.Cluster.Tests.Infrastructure;

/// <summary>Finds runs of consecutive free loopback ports for a test cluster's HTTP and Raft listeners.</summary>
internal static class FreePorts
{
    private static int next = 20_000 + (Environment.ProcessId % 200) * 50;

    public static int FindRun(int count)
    {
        for (var tries = 0; tries < 400; tries++)
        {
            var start = Interlocked.Add(ref next, count + 1) - count - 1;
            if (start + count > 60_000)
            {
                Interlocked.Exchange(ref next, 20_000);
                continue;
            }

            if (Enumerable.Range(start, count).All(IsFree))
                return start;
        }

        throw new InvalidOperationException("no run of free ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

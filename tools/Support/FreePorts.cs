using System.Net;
using System.Net.Sockets;

namespace RaftTimers.Support;

/// <summary>
/// The one finder of free loopback ports, for the test clusters' HTTP and Raft listeners and the fault-injection
/// harness's loopback network: runs of consecutive ports, each bound once to check it is free. Another process can
/// still take one before the node binds it; starting each process in its own range keeps that unlikely.
/// </summary>
public static class FreePorts
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

using System.Net;
using System.Net.Sockets;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Every host on 127.0.0.1 with its own ports. Processes can be killed and paused, but not partitioned.</summary>
public sealed class LoopbackNetwork : IHostNetwork
{
    private readonly int basePort;

    public LoopbackNetwork(int nodeCount) => basePort = FindFreeRange(nodeCount);

    public string Mode => "loopback";

    public bool CanPartition => false;

    public string AddressOf(string host) => "127.0.0.1";

    public int HttpPortOf(string host) => host == "sink" ? basePort + 40 : basePort + NodeIndex(host);

    public int RaftPortOf(string host) => basePort + 20 + NodeIndex(host);

    public IReadOnlyList<string> Wrap(string host, IReadOnlyList<string> command) => command;

    public HttpMessageHandler CreateClientHandler() => new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 64,
        ConnectTimeout = TimeSpan.FromSeconds(3),
        AllowAutoRedirect = false,
        UseCookies = false,
    };

    public Task PartitionAsync(IReadOnlyList<IReadOnlyList<string>> components)
        => throw new NotSupportedException("partitions need the network-namespace lab");

    public Task CutAsync(IEnumerable<(string A, string B)> pairs)
        => throw new NotSupportedException("partitions need the network-namespace lab");

    public Task HealAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static int NodeIndex(string host) => host.StartsWith('n') && int.TryParse(host[1..], out var k) ? k : throw new ArgumentException($"not a node: {host}");

    private static int FindFreeRange(int nodeCount)
    {
        var random = new Random(Environment.ProcessId);
        for (var tries = 0; tries < 200; tries++)
        {
            var start = 30_000 + (random.Next(0, 500) * 50);
            var ports = Enumerable.Range(1, nodeCount).SelectMany(k => new[] { start + k, start + 20 + k }).Append(start + 40);
            if (ports.All(IsFree))
                return start;
        }

        throw new InvalidOperationException("no free port range on loopback");
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

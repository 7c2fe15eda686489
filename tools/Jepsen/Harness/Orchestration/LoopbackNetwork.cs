using RaftTimers.Support;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Every host on 127.0.0.1 with its own ports. Processes can be killed and paused, but not partitioned.</summary>
public sealed class LoopbackNetwork : IHostNetwork
{
    private readonly int basePort;

    /// <summary>Ports from a free run of 41: node k's HTTP at +k, its Raft at +20+k, the sink at +40.</summary>
    public LoopbackNetwork(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, 19);
        basePort = FreePorts.FindRun(41);
    }

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
}

using RaftTimers.JepsenLike.Network;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// Every host in its own network namespace of a <see cref="NetworkLab"/>: nodes, sink and client have their own
/// addresses inside the lab, and partitions cut links with nftables. The harness reaches the nodes from the
/// client namespace through <see cref="NamespaceSockets"/>, so the root namespace needs no lab address.
/// </summary>
public sealed class LabNetwork : IHostNetwork
{
    public const int HttpPort = 8080;
    public const int RaftPort = 9080;
    public const int SinkPort = 7000;

    private readonly NetworkLab lab;
    private readonly NamespaceSockets clientSockets;

    private LabNetwork(NetworkLab lab)
    {
        this.lab = lab;
        clientSockets = new NamespaceSockets(lab.NamespaceOf("client"));
    }

    public static async Task<LabNetwork> CreateAsync(int nodeCount, CancellationToken token)
        => new(await NetworkLab.CreateAsync(nodeCount, token).ConfigureAwait(false));

    public string Mode => "netns";

    public bool CanPartition => true;

    public string AddressOf(string host) => lab.AddressOf(host).ToString();

    public int HttpPortOf(string host) => host == "sink" ? SinkPort : HttpPort;

    public int RaftPortOf(string host) => RaftPort;

    public IReadOnlyList<string> Wrap(string host, IReadOnlyList<string> command) => lab.Wrap(host, command);

    public HttpMessageHandler CreateClientHandler() => clientSockets.CreateHandler();

    public Task PartitionAsync(IReadOnlyList<IReadOnlyList<string>> components) => lab.PartitionAsync(components);

    public Task CutAsync(IEnumerable<(string A, string B)> pairs) => lab.CutAsync(pairs);

    public Task HealAsync() => lab.HealAsync();

    public async ValueTask DisposeAsync()
    {
        clientSockets.Dispose();
        await lab.DisposeAsync().ConfigureAwait(false);
    }
}

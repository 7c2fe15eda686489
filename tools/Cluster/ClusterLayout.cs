using System.Globalization;
using RaftTimers.Support;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Derives every node's ports, URLs and paths from the cluster's shape, so the layout rule
/// (node k: HTTP P+k-1, Raft Q+k-1, data DIR/n{k}, log DIR/n{k}.log) lives in one place.
/// </summary>
internal static class ClusterLayout
{
    public const string StateFileName = "cluster.json";
    public const string LockFileName = "cluster.lock";

    public static IReadOnlyList<NodeState> Nodes(string dataRoot, string host, int nodeCount, int httpPort, int raftPort) =>
        Enumerable.Range(1, nodeCount).Select(k => Node(dataRoot, host, k, httpPort, raftPort, joined: false)).ToList();

    /// <summary>Node <paramref name="k"/> of the layout; <c>add</c> makes node Count+1 with <paramref name="joined"/> set.</summary>
    public static NodeState Node(string dataRoot, string host, int k, int httpPort, int raftPort, bool joined) => new()
    {
        Id = NodeId(k),
        Index = k,
        Http = $"http://{host}:{(httpPort + k - 1).ToString(CultureInfo.InvariantCulture)}",
        Raft = $"{host}:{(raftPort + k - 1).ToString(CultureInfo.InvariantCulture)}",
        DataDir = Path.Combine(dataRoot, NodeId(k)),
        LogFile = Path.Combine(dataRoot, NodeId(k) + ".log"),
        Joined = joined,
    };

    public static string NodeId(int index) => "n" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The command-line arguments of a node after <c>dotnet</c>: the dll, the layout switches, then the extra args.</summary>
    public static IReadOnlyList<string> NodeArguments(ClusterState state, NodeState node)
    {
        // The initial members seed a new node's membership once; later starts keep what the Raft log decided.
        var members = string.Join(',', state.Nodes.Where(n => !n.Joined).Select(n => n.Raft));
        return
        [
            state.NodeDll,
            "--node-id", node.Id,
            "--http", node.Http,
            "--raft", node.Raft,
            "--members", members,
            "--data", node.DataDir,
            // A node's first start creates the cluster (--bootstrap); an added node joins (--join). Later starts need
            // neither; a node that ran before and lost its data is refused (NodeLauncher.RequireData).
            .. node.Joined ? (string[])["--join", "true"] : node.Launched ? [] : ["--bootstrap", "true"],
            // Receivers of a local cluster listen on this machine, which the node's callback policy denies by default;
            // an extra argument naming the setting comes later and wins.
            $"--RaftTimers:Security:Callbacks:Permit={LocalReceivers(state)}",
            .. state.Tls ? ClusterCertificates.NodeArguments(Path.GetDirectoryName(node.DataDir)!, node.Id) : [],
            .. state.ExtraArgs,
        ];
    }

    /// <summary>Where a local cluster's callback receivers may listen: loopback, by address and by name, and the cluster's host.</summary>
    public static string LocalReceivers(ClusterState state) => $"127.0.0.0/8,::1,localhost,{state.Host}";

    /// <summary>Every port of the cluster with a name for error messages, e.g. (8001, "HTTP of n1").</summary>
    public static IEnumerable<(int Port, string Purpose)> Ports(ClusterState state, NodeState node) =>
    [
        (state.HttpPort + node.Index - 1, $"HTTP of {node.Id}"),
        (state.RaftPort + node.Index - 1, $"Raft of {node.Id}"),
    ];
}

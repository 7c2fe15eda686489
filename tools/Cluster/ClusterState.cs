using System.Text.Json.Serialization;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// What DIR/cluster.json records: the cluster's shape (host, base ports, node count), how its nodes are
/// started (node dll, extra args), and the PID of each node this tool started (null when stopped).
/// Every command reads it; only the commands that start or stop nodes write it, through <see cref="StateFile"/>.
/// </summary>
internal sealed record ClusterState
{
    /// <summary>Made at the first start and kept across restarts, so two clusters are never confused.</summary>
    public required Guid ClusterId { get; init; }

    public required string Host { get; init; }

    public required int HttpPort { get; init; }

    public required int RaftPort { get; init; }

    /// <summary>Absolute path of RaftTimers.Node.dll; part of the identity check before any signal.</summary>
    public required string NodeDll { get; init; }

    public required IReadOnlyList<string> ExtraArgs { get; init; }

    /// <summary>Whether the members speak mutual TLS on their Raft ports, with the certificates in DIR/tls (unless <c>--tls false</c> at the first start).</summary>
    public bool Tls { get; init; }

    /// <summary>
    /// The admin token every node gets (in its environment, not on its command line, so <c>ps</c> does not show it):
    /// <c>--admin-token</c> at the first start, or 32 random bytes in hex. add and remove send it.
    /// </summary>
    public string AdminToken { get; init; } = "";

    public required IReadOnlyList<NodeState> Nodes { get; init; }

    /// <summary>Whether this state describes a cluster of the given shape (what <c>start</c> asks for).</summary>
    /// <summary>Nodes that <c>add</c> joined later do not count: the shape is what <c>start</c> was first given.</summary>
    public bool HasShape(string host, int nodeCount, int httpPort, int raftPort) =>
        Host == host && Nodes.Count(n => !n.Joined) == nodeCount && HttpPort == httpPort && RaftPort == raftPort;

    public string Describe() =>
        $"{Nodes.Count(n => !n.Joined)} node(s) started on {Host}, HTTP {HttpPort}-{HttpPort + Nodes.Count - 1}, Raft {RaftPort}-{RaftPort + Nodes.Count - 1}";

    /// <summary>The nodes that belong to the cluster (all but the removed ones).</summary>
    public IEnumerable<NodeState> Members => Nodes.Where(n => !n.Removed);
}

/// <summary>One node of the cluster; <see cref="Pid"/> is the only field that changes after the first start.</summary>
internal sealed class NodeState
{
    public required string Id { get; init; }

    /// <summary>1-based; node k listens on HttpPort+k-1 and RaftPort+k-1.</summary>
    public required int Index { get; init; }

    /// <summary>The API base URL, e.g. http://127.0.0.1:8001.</summary>
    public required string Http { get; init; }

    /// <summary>The Raft endpoint, host:port.</summary>
    public required string Raft { get; init; }

    public required string DataDir { get; init; }

    public required string LogFile { get; init; }

    /// <summary>Added by <c>cluster add</c>: it runs in join mode (<c>--join true</c>), which a joined node ignores on restart.</summary>
    public bool Joined { get; init; }

    /// <summary>Removed by <c>cluster remove</c>: stopped, never started again, and its address never reused.</summary>
    public bool Removed { get; set; }

    /// <summary>Launched at least once: from then on its data directory must not be empty when it starts (see <see cref="NodeLauncher.RequireData"/>).</summary>
    public bool Launched { get; set; }

    public int? Pid { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ClusterState))]
internal sealed partial class ClusterStateJson : JsonSerializerContext;

using RaftTimers.Tools.Cluster;

namespace RaftTimers.Tools.Bench.Cluster;

/// <summary>
/// SIGKILL to one node by the PID tools/cluster recorded, after the cluster tool's own check that the PID still runs
/// the node dll on that node's data directory — the moment of the kill is then known to the millisecond, which
/// timing a failover needs.
/// </summary>
public static class NodeKiller
{
    public static void Kill(LocalCluster cluster, string nodeId)
    {
        var state = StateFile.Load(cluster.Directory);
        var node = state.Nodes.First(n => n.Id == nodeId);
        if (!NodeProcessInspector.IsAlive(node.Pid, state.NodeDll, node))
            throw new InvalidOperationException($"node {nodeId} is not running (or its recorded pid is no longer that node); not signalling it");
        Signals.Send(node.Pid!.Value, Signals.SIGKILL);
        // No wait for the exit: the probes that follow should start at once.
    }
}

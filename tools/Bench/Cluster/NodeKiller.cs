using System.Diagnostics;
using System.Text.Json;

namespace RaftTimers.Tools.Bench.Cluster;

/// <summary>
/// SIGKILL to one node by the PID tools/cluster recorded, after checking that PID still runs the node on that
/// node's data directory — the moment of the kill is then known to the millisecond, which timing a failover needs.
/// </summary>
public static class NodeKiller
{
    public static void Kill(LocalCluster cluster, string nodeId)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(cluster.Directory, "cluster.json")));
        var node = doc.RootElement.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("id").GetString() == nodeId);
        if (node.GetProperty("pid").ValueKind != JsonValueKind.Number)
            throw new InvalidOperationException($"node {nodeId} is not running");
        var pid = node.GetProperty("pid").GetInt32();
        var dataDir = node.GetProperty("dataDir").GetString()!;
        var cmdline = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "";
        if (!cmdline.Contains("RaftTimers.Node.dll", StringComparison.Ordinal) || !cmdline.Contains(dataDir, StringComparison.Ordinal))
            throw new InvalidOperationException($"pid {pid} recorded for {nodeId} is not that node any more; not signalling it");
        using var process = Process.GetProcessById(pid);
        process.Kill();
        // No WaitForExit: for a process that is not our child .NET polls for its exit, which would delay the probes that follow.
    }
}

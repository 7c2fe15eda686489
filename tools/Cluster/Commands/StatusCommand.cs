using System.Globalization;

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster status</c>: one line per node with its pid (or "stopped"), URL, and what it says on
/// GET /cluster if it answers within a second. It only reads, so it takes no lock and can run while
/// another command is waiting on the same cluster.
/// </summary>
internal static class StatusCommand
{
    private static readonly string[] s_options = ["--data", "--node-dll"];

    public static async Task<int> RunAsync(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var state = StateFile.Load(context.DataRoot());
        context.NoteNodeDll(state);
        var processes = state.Nodes.Select(n => NodeProcessInspector.Inspect(n.Pid, state.NodeDll, n)).ToList();
        var probes = await Task.WhenAll(state.Nodes.Select((n, i) => ProbeIfRunningAsync(n, processes[i], context.Cancellation))).ConfigureAwait(false);
        for (var i = 0; i < state.Nodes.Count; i++)
            context.Output.WriteLine(Line(state.Nodes[i], processes[i], probes[i]));
        return ExitCodes.Success;
    }

    /// <summary>A paused node would only time out, and a stopped one refuse, so only running nodes are asked.</summary>
    private static async Task<ProbeResult?> ProbeIfRunningAsync(NodeState node, NodeProcessState process, CancellationToken cancellationToken) =>
        process == NodeProcessState.Running ? await ClusterProbe.GetAsync(node, cancellationToken).ConfigureAwait(false) : null;

    private static string Line(NodeState node, NodeProcessState process, ProbeResult? probe)
    {
        var pid = process switch
        {
            NodeProcessState.Running => $"pid {node.Pid}",
            NodeProcessState.Paused => $"pid {node.Pid} paused",
            // A pid still recorded but gone means the node exited without this tool stopping it.
            _ when node.Pid is not null => $"stopped (pid {node.Pid} exited)",
            _ => "stopped",
        };
        var health = probe switch
        {
            null => "",
            { View: { } view } => $"  {view.Role ?? "?"} term {view.Term?.ToString(CultureInfo.InvariantCulture) ?? "?"} leader {view.LeaderRaft ?? "none"}",
            _ => $"  unreachable: {probe.Problem}",
        };
        return $"{node.Id,-4} {pid,-24} {node.Http}{(node.Removed ? "  removed" : "")}{health}";
    }
}

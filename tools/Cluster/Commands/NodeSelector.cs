using System.Globalization;

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>Reads --node K, where K is a 1-based index ("2") or a node id ("n2").</summary>
internal static class NodeSelector
{
    public static NodeState Select(CommandLine args, ClusterState state)
    {
        var text = args.Required("--node");
        var digits = text.StartsWith('n') ? text[1..] : text;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1 || index > state.Nodes.Count)
            throw ToolFailure.Usage($"--node must be 1-{state.Nodes.Count} or n1-n{state.Nodes.Count}, not '{text}'");
        return state.Nodes[index - 1];
    }
}

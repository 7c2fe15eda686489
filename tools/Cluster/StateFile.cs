using System.Text.Json;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Reads and writes DIR/cluster.json. Writes go to a temporary file that is then renamed over the old one,
/// so a crash or Ctrl-C never leaves a half-written state file that would lose the PIDs of running nodes.
/// </summary>
internal static class StateFile
{
    public static string PathIn(string dataRoot) => Path.Combine(dataRoot, ClusterLayout.StateFileName);

    /// <summary>The state, or null when DIR has no cluster.json (called by start, which may create one).</summary>
    public static ClusterState? TryLoad(string dataRoot)
    {
        var path = PathIn(dataRoot);
        if (!File.Exists(path))
            return null;
        ClusterState? state;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllText(path), ClusterStateJson.Default.ClusterState);
        }
        catch (JsonException e)
        {
            throw new ToolFailure($"{path} is not a cluster state file: {e.Message}");
        }
        if (state is null || !IsConsistent(state))
            throw new ToolFailure($"{path} is not a cluster state file this tool wrote (its nodes do not match its ports)");
        return state;
    }

    /// <summary>The state of an existing cluster (called by every command but start).</summary>
    public static ClusterState Load(string dataRoot) =>
        TryLoad(dataRoot) ?? throw new ToolFailure($"no cluster in {dataRoot}: {PathIn(dataRoot)} does not exist");

    public static void Save(string dataRoot, ClusterState state)
    {
        var path = PathIn(dataRoot);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        // It holds the admin token: readable by its owner only, from the moment it exists.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, state, ClusterStateJson.Default.ClusterState);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Checks that the nodes follow the layout rule, because the pids and paths in them decide
    /// which processes get signalled; a hand-edited file that breaks the rule is refused.
    /// </summary>
    private static bool IsConsistent(ClusterState state)
    {
        if (state.Nodes is null || state.ExtraArgs is null || state.Nodes.Count == 0 || string.IsNullOrEmpty(state.NodeDll))
            return false;
        for (var i = 0; i < state.Nodes.Count; i++)
        {
            var node = state.Nodes[i];
            if (node.Index != i + 1 || node.Id != ClusterLayout.NodeId(i + 1) || node.Pid is <= 0)
                return false;
        }
        return true;
    }
}

using System.Text;

namespace RaftTimers.Tools.Cluster;

internal enum NodeProcessState
{
    /// <summary>No process with that PID runs our node dll on that data directory (or it is a zombie).</summary>
    Gone,
    Running,
    /// <summary>Stopped by SIGSTOP (cluster pause).</summary>
    Paused,
}

/// <summary>
/// Decides from /proc whether a recorded PID is still our node. A process counts as ours only when its
/// command line holds both the node dll path and the node's data directory as whole arguments; that is
/// true from the moment the launcher's <c>sh</c> starts (they are its positional arguments) through the
/// <c>exec</c> into <c>dotnet</c>, and false for any unrelated process that later reuses the PID.
/// </summary>
internal static class NodeProcessInspector
{
    public static NodeProcessState Inspect(int? pid, string nodeDll, NodeState node)
    {
        if (pid is not { } id)
            return NodeProcessState.Gone;
        var state = ReadState(id);
        // A zombie has exited and only waits to be reaped (possibly never, under a PID 1 that does not reap);
        // it runs nothing and its cmdline is empty, so it is gone for every purpose here.
        if (state is null or 'Z' or 'X' || !CommandLineMatches(id, nodeDll, node.DataDir))
            return NodeProcessState.Gone;
        return state is 'T' or 't' ? NodeProcessState.Paused : NodeProcessState.Running;
    }

    public static bool IsAlive(int? pid, string nodeDll, NodeState node) => Inspect(pid, nodeDll, node) != NodeProcessState.Gone;

    /// <summary>The state letter of /proc/PID/stat, or null when there is no such process.</summary>
    private static char? ReadState(int pid)
    {
        var stat = TryRead($"/proc/{pid}/stat");
        // The format is "pid (comm) S ...", and comm may itself contain spaces and parentheses.
        var close = stat?.LastIndexOf(')') ?? -1;
        return close >= 0 && close + 2 < stat!.Length ? stat[close + 2] : null;
    }

    private static bool CommandLineMatches(int pid, string nodeDll, string dataDir)
    {
        var cmdline = TryRead($"/proc/{pid}/cmdline");
        if (cmdline is null)
            return false;
        var args = cmdline.Split('\0');
        return args.Contains(nodeDll, StringComparer.Ordinal) && args.Contains(dataDir, StringComparer.Ordinal);
    }

    /// <summary>Reads a /proc file; the process may exit between any two reads, which means it is gone.</summary>
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Starts one node process in the background so that it outlives this tool and holds none of its pipes.
/// The node runs as <c>[setsid] /bin/sh -c 'exec "$@" >>LOG 2>&amp;1 &lt;/dev/null' sh LOG dotnet NODE-DLL args...</c>:
/// the redirections replace the stdin, stdout and stderr the child inherited from this tool before the
/// <c>exec</c>, so a test reading this tool's stdout to EOF is not kept waiting by the nodes; every other
/// descriptor .NET opens is close-on-exec. Because of the <c>exec</c> the shell's PID becomes the node's PID,
/// which is what gets recorded. <c>setsid</c> puts the node in its own session, so Ctrl-C in the terminal
/// that ran this tool (a signal to its whole process group) does not reach the nodes.
/// </summary>
internal static class NodeLauncher
{
    private const string Setsid = "/usr/bin/setsid";

    /// <summary>The node reads RaftTimers:Security:AdminToken from this environment variable.</summary>
    public const string AdminTokenVariable = "RaftTimers__Security__AdminToken";

    // $1 is the log file; the rest is the node's command line.
    private const string Script = """log="$1"; shift; exec "$@" >>"$log" 2>&1 </dev/null""";

    public static Process Start(ClusterState state, NodeState node, string dotnetHost)
    {
        RequireData(node);
        Directory.CreateDirectory(node.DataDir);
        var start = new ProcessStartInfo
        {
            FileName = File.Exists(Setsid) ? Setsid : "/bin/sh",
            UseShellExecute = false,
            // The node dll's folder, where the build puts appsettings.json, so the node finds it whatever
            // content root it uses; every path the node is given is absolute.
            WorkingDirectory = Path.GetDirectoryName(state.NodeDll)!,
        };
        if (state.AdminToken.Length > 0)
            start.Environment[AdminTokenVariable] = state.AdminToken;
        string[] shell = start.FileName == Setsid ? ["/bin/sh"] : [];
        string[] arguments = [.. shell, "-c", Script, "sh", node.LogFile, dotnetHost, .. ClusterLayout.NodeArguments(state, node)];
        node.Launched = true;
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            return Process.Start(start) ?? throw new ToolFailure($"could not start {node.Id}: no process was created");
        }
        catch (Win32Exception e)
        {
            throw new ToolFailure($"could not start {node.Id} ({start.FileName}): {e.Message}");
        }
    }

    /// <summary>
    /// Refuses to start a node that ran before but whose data directory is now empty or gone: it would come back as a
    /// voter with an empty log (seeded from --members again) and could help elect a leader that lacks committed
    /// entries, losing acknowledged writes. Such a node is removed and replaced by a fresh one that joins.
    /// </summary>
    public static void RequireData(NodeState node)
    {
        if (node.Launched && (!Directory.Exists(node.DataDir) || !Directory.EnumerateFileSystemEntries(node.DataDir).Any()))
            throw new ToolFailure($"{node.Id} ran before but its data directory {node.DataDir} is empty: starting it would add an empty voter "
                + $"that could lose acknowledged writes. Remove it (cluster remove --node {node.Id}) and add a fresh node (cluster add)");
    }

    /// <summary>
    /// Appends a marker line to the node's log before each start, so a reader of the log can tell the runs
    /// apart, and returns the log's length before it, from where a failure report shows this run's output.
    /// </summary>
    public static long MarkLog(NodeState node, string what)
    {
        var before = File.Exists(node.LogFile) ? new FileInfo(node.LogFile).Length : 0;
        File.AppendAllText(node.LogFile, $"==== cluster {what}: {node.Id} at {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss.fff zzz} ====\n");
        return before;
    }
}

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// What every command gets: its parsed command line, stdout for results (URLs, status lines; nothing else,
/// since tests parse it), stderr for progress, and a token cancelled by Ctrl-C or SIGTERM to this tool.
/// </summary>
internal sealed record CommandContext(CommandLine Args, TextWriter Output, TextWriter Progress, CancellationToken Cancellation)
{
    /// <summary>The absolute --data directory; all paths recorded in cluster.json are absolute.</summary>
    public string DataRoot() => Path.GetFullPath(Args.Required("--data"));

    /// <summary>--timeout-seconds, for the commands that wait for readiness.</summary>
    public TimeSpan ReadyTimeout() => TimeSpan.FromSeconds(Args.OptionalInt("--timeout-seconds", 60, 1, 3600));

    /// <summary>
    /// Every command accepts --node-dll, so a caller (the tests do) can pass the same options to all of them;
    /// but only start chooses the dll. Afterwards a cluster runs, and is restarted with, the dll recorded in
    /// cluster.json, which is also what the PID checks compare against. A different path is not silently
    /// dropped: the note says which dll is in use.
    /// </summary>
    public void NoteNodeDll(ClusterState state)
    {
        var given = Args.Optional("--node-dll");
        if (given is not null && Path.GetFullPath(given) != state.NodeDll)
            Progress.WriteLine($"note: ignoring --node-dll {Path.GetFullPath(given)}: this cluster runs {state.NodeDll}, as recorded in cluster.json");
    }
}

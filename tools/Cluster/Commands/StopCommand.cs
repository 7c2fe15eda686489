namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster stop</c>: SIGTERM to every running node, SIGKILL after the grace period, pids recorded as null.
/// It succeeds when nothing runs, including when DIR holds no cluster at all, so test cleanup can always call it.
/// </summary>
internal static class StopCommand
{
    private static readonly string[] s_options = ["--data", "--node-dll"];

    public static int Run(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        if (!File.Exists(StateFile.PathIn(dataRoot)))
        {
            context.Progress.WriteLine($"nothing to stop: no {ClusterLayout.StateFileName} in {dataRoot}");
            return ExitCodes.Success;
        }
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var state = StateFile.Load(dataRoot);
        context.NoteNodeDll(state);
        try
        {
            NodeTerminator.Stop(state, state.Nodes, context.Progress);
        }
        finally
        {
            StateFile.Save(dataRoot, state);
        }
        return ExitCodes.Success;
    }
}

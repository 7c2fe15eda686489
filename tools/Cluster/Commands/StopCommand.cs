namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster stop</c>: SIGTERM to every running node (or only to node K with <c>--node K</c>), SIGKILL after the
/// grace period, pids recorded as null.
/// It succeeds when nothing runs, including when DIR holds no cluster at all, so test cleanup can always call it.
/// </summary>
internal static class StopCommand
{
    private static readonly string[] s_options = ["--data", "--node", "--node-dll"];

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
            var nodes = context.Args.Optional("--node") is null ? state.Nodes : [NodeSelector.Select(context.Args, state)];
            NodeTerminator.Stop(state, nodes, context.Progress);
        }
        finally
        {
            StateFile.Save(dataRoot, state);
        }
        return ExitCodes.Success;
    }
}

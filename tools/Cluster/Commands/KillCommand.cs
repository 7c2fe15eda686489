namespace RaftTimers.Tools.Cluster.Commands;

/// <summary><c>cluster kill</c>: SIGKILL to one node, a crash with no chance to flush or say goodbye.</summary>
internal static class KillCommand
{
    private static readonly string[] s_options = ["--data", "--node", "--node-dll"];

    public static int Run(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var state = StateFile.Load(dataRoot);
        var node = NodeSelector.Select(context.Args, state);
        context.NoteNodeDll(state);
        try
        {
            NodeTerminator.Kill(state, node, context.Progress);
        }
        finally
        {
            StateFile.Save(dataRoot, state);
        }
        return ExitCodes.Success;
    }
}

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster pause</c> and <c>cluster resume</c>: SIGSTOP and SIGCONT to one node. A paused node keeps its
/// sockets open but answers nothing, like a long GC pause or a frozen VM, which is what fault tests want.
/// </summary>
internal static class PauseCommand
{
    private static readonly string[] s_options = ["--data", "--node", "--node-dll"];

    public static int Run(CommandContext context, bool pause)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var state = StateFile.Load(dataRoot);
        var node = NodeSelector.Select(context.Args, state);
        context.NoteNodeDll(state);
        if (!NodeProcessInspector.IsAlive(node.Pid, state.NodeDll, node))
            throw new ToolFailure($"{node.Id} is not running");
        Signals.Send(node.Pid!.Value, pause ? Signals.SIGSTOP : Signals.SIGCONT);
        context.Progress.WriteLine($"{(pause ? "paused" : "resumed")} {node.Id} (pid {node.Pid})");
        return ExitCodes.Success;
    }
}

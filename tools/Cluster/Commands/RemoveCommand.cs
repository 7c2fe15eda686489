namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster remove</c>: asks the cluster to remove node K (<c>DELETE /cluster/members/{raft address}</c>, which
/// returns once the configuration without it is committed), then stops it if it runs and records it as removed:
/// it is never started again and its address is never reused. Its data directory is left for inspection.
/// </summary>
internal static class RemoveCommand
{
    private static readonly string[] s_options = ["--data", "--node", "--timeout-seconds", "--node-dll"];

    public static async Task<int> RunAsync(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        var timeout = context.ReadyTimeout();
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var state = StateFile.Load(dataRoot);
        context.NoteNodeDll(state);
        var node = NodeSelector.Select(context.Args, state);
        if (node.Removed)
            throw new ToolFailure($"{node.Id} was removed already");
        // Ask the others first: the node itself would step down and forward, but it may be the one that is dead.
        var askable = state.Members.Where(n => n != node && NodeProcessInspector.IsAlive(n.Pid, state.NodeDll, n))
            .Append(node).Where(n => NodeProcessInspector.IsAlive(n.Pid, state.NodeDll, n)).ToList();
        if (askable.Count == 0)
            throw new ToolFailure($"no member of the cluster in {dataRoot} is running; start it first");

        var answer = await AdminClient.SendAsync(state, askable, (client, token) => client.RemoveMemberAsync(node.Raft, token),
            timeout, attemptTimeout: TimeSpan.FromSeconds(30), context.Cancellation).ConfigureAwait(false);
        context.Progress.WriteLine($"cluster: {answer}");
        node.Removed = true;
        try
        {
            NodeTerminator.Stop(state, [node], context.Progress);
        }
        finally
        {
            StateFile.Save(dataRoot, state);
        }

        context.Output.WriteLine(node.Http);
        return ExitCodes.Success;
    }
}

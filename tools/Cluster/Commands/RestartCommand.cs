using System.Net;

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster restart</c>: stops one node if it runs, starts it again with the recorded node dll and extra
/// args on its existing data, waits until it knows a leader, and prints its URL. If the new process does not
/// get ready in time it is stopped again, so the node is left as a failed start leaves a cluster: stopped.
/// </summary>
internal static class RestartCommand
{
    private static readonly string[] s_options = ["--data", "--node", "--timeout-seconds", "--node-dll"];

    public static async Task<int> RunAsync(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        var timeout = context.ReadyTimeout();
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var state = StateFile.Load(dataRoot);
        var node = NodeSelector.Select(context.Args, state);
        if (node.Removed)
            throw new ToolFailure($"{node.Id} was removed from the cluster and is never started again; add a new node instead");
        context.NoteNodeDll(state);
        if (!File.Exists(state.NodeDll))
            throw new ToolFailure($"node dll not found: {state.NodeDll} (recorded in {StateFile.PathIn(dataRoot)})");
        var dotnet = DotnetHost.Find();

        try
        {
            NodeTerminator.Stop(state, [node], context.Progress);
        }
        finally
        {
            StateFile.Save(dataRoot, state);
        }
        PortCheck.RequireFree(IPAddress.Parse(state.Host), ClusterLayout.Ports(state, node));

        var logOffset = NodeLauncher.MarkLog(node, "restart");
        var process = NodeLauncher.Start(state, node, dotnet);
        node.Pid = process.Id;
        StateFile.Save(dataRoot, state);
        context.Progress.WriteLine($"started {node.Id} (pid {process.Id}), log {node.LogFile}");
        try
        {
            var views = await ReadinessWaiter.WaitAsync([new LaunchedNode(node, process, logOffset)], requireAgreement: false, timeout, context.Cancellation)
                .ConfigureAwait(false);
            context.Progress.WriteLine($"{node.Id} sees leader {views[0].LeaderRaft} in term {views[0].Term}");
        }
        catch (Exception e) when (e is ToolFailure or OperationCanceledException)
        {
            NodeTerminator.Stop(state, [node], context.Progress);
            StateFile.Save(dataRoot, state);
            throw;
        }
        context.Output.WriteLine(node.Http);
        return ExitCodes.Success;
    }
}

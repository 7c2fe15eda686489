using System.Net;
using RaftTimers.Support;

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster add</c>: starts node Count+1 in join mode on the next ports of the layout, asks the cluster to add it
/// (<c>POST /cluster/members</c>, which returns once it has caught up and its configuration is committed), waits
/// until it knows the leader, and prints its URL. If the change fails, the new node is stopped and forgotten.
/// </summary>
internal static class AddCommand
{
    private static readonly string[] s_options = ["--data", "--timeout-seconds", "--node-dll"];

    public static async Task<int> RunAsync(CommandContext context)
    {
        context.Args.RejectUnknown(s_options);
        var dataRoot = context.DataRoot();
        var timeout = context.ReadyTimeout();
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var previous = StateFile.Load(dataRoot);
        context.NoteNodeDll(previous);
        var members = previous.Members.Where(n => NodeProcessInspector.IsAlive(n.Pid, previous.NodeDll, n)).ToList();
        if (members.Count == 0)
            throw new ToolFailure($"no member of the cluster in {dataRoot} is running; start it first");

        var node = ClusterLayout.Node(dataRoot, previous.Host, previous.Nodes.Count + 1, previous.HttpPort, previous.RaftPort, joined: true);
        if (previous.Tls)
            ClusterCertificates.Ensure(dataRoot, previous.Host, [node.Id]);
        var state = previous with { Nodes = [.. previous.Nodes, node] };
        if (Directory.Exists(node.DataDir) && Directory.EnumerateFileSystemEntries(node.DataDir).Any())
            throw new ToolFailure($"{node.DataDir} is not empty; a joining node must start with empty storage");
        var host = IPAddress.Parse(state.Host);
        var ports = ClusterLayout.Ports(state, node).ToList();
        var taken = state.Nodes.SelectMany(n => ClusterLayout.Ports(state, n)).Except(ports).Select(p => p.Port).ToHashSet();
        if (ports.Any(p => taken.Contains(p.Port)))
            throw new ToolFailure($"{node.Id}'s ports ({string.Join(", ", ports.Select(p => p.Port))}) collide with the cluster's other range; start the cluster with HTTP and Raft ports further apart");
        PortCheck.RequireFree(host, ports);
        var dotnet = DotnetHost.Find();

        var logOffset = NodeLauncher.MarkLog(node, "add (join mode)");
        var process = NodeLauncher.Start(state, node, dotnet);
        node.Pid = process.Id;
        StateFile.Save(dataRoot, state);
        context.Progress.WriteLine($"started {node.Id} in join mode (pid {process.Id}), log {node.LogFile}");
        try
        {
            await WaitForAnswerAsync(node, process, logOffset, timeout, context.Cancellation).ConfigureAwait(false);
            // The cluster answers once the node has caught up, which can take minutes with a large state (the node's
            // own limit, RaftTimers:Admin:MembershipTimeoutMs, defaults to 5 min).
            var addTimeout = timeout > AddTimeout ? timeout : AddTimeout;
            var answer = await AdminClient.SendAsync(state, members, (client, token) => client.AddMemberAsync(node.Raft, new Uri(node.Http), token),
                addTimeout, addTimeout, context.Cancellation).ConfigureAwait(false);
            context.Progress.WriteLine($"cluster: {answer}");
            var views = await ReadinessWaiter.WaitAsync([new LaunchedNode(node, process, logOffset)], requireAgreement: false, timeout, context.Cancellation)
                .ConfigureAwait(false);
            context.Progress.WriteLine($"{node.Id} is a member; it sees leader {views[0].LeaderRaft} in term {views[0].Term}");
        }
        catch (Exception e) when (e is ToolFailure or OperationCanceledException)
        {
            // The node is stopped either way. If the cluster counted it (the change can commit even when its answer is
            // lost), it stays recorded, stopped, so that `cluster remove` can name it; else its entry is dropped.
            NodeTerminator.Stop(state, [node], context.Progress);
            if (await IsListedAsync(members, node, CancellationToken.None).ConfigureAwait(false))
            {
                StateFile.Save(dataRoot, state);
                context.Progress.WriteLine($"{node.Id} stopped, but the cluster lists {node.Raft} as a member: start it (cluster restart --node {node.Id}) or remove it (cluster remove --node {node.Id})");
            }
            else
            {
                StateFile.Save(dataRoot, previous);
                context.Progress.WriteLine($"{node.Id} stopped and forgotten: the cluster does not list it");
            }

            throw;
        }

        context.Output.WriteLine(node.Http);
        return ExitCodes.Success;
    }

    private static readonly TimeSpan AddTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Whether any running member lists the node's Raft address among the members on GET /cluster.</summary>
    private static async Task<bool> IsListedAsync(IReadOnlyList<NodeState> members, NodeState node, CancellationToken token)
    {
        foreach (var member in members)
        {
            if (await ClusterProbe.ListsMemberAsync(member, node.Raft, token).ConfigureAwait(false) is { } listed)
                return listed;
        }

        return true; // no member answered: assume it may be counted, and keep it where remove can find it
    }

    /// <summary>Waits until the new node answers GET /cluster at all (it knows no leader until it is added).</summary>
    private static async Task WaitForAnswerAsync(NodeState node, System.Diagnostics.Process process, long logOffset, TimeSpan timeout, CancellationToken token)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new ToolFailure($"{node.Id} exited with code {process.ExitCode} while starting\n{LogTail.Describe(node, logOffset)}");
            var probe = await ClusterProbe.GetAsync(node, token).ConfigureAwait(false);
            if (probe.View is not null)
                return;
            if (waited.Elapsed >= timeout)
                throw new ToolFailure($"{node.Id} did not answer within {timeout.TotalSeconds:0} s: {probe.Reason}\n{LogTail.Describe(node, logOffset)}");
            await Task.Delay(150, token).ConfigureAwait(false);
        }
    }
}

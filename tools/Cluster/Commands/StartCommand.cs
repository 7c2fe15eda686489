using System.Net;
using System.Security.Cryptography;
using RaftTimers.Support;

namespace RaftTimers.Tools.Cluster.Commands;

/// <summary>
/// <c>cluster start</c>: launches every node of a new cluster, or of a stopped one on its existing data,
/// waits until they agree on a leader and prints their API URLs. If anything fails after the first launch,
/// it stops the nodes it launched, so a failed start leaves nothing running.
/// </summary>
internal static class StartCommand
{
    private static readonly string[] s_options = ["--nodes", "--http-port", "--raft-port", "--data", "--host", "--timeout-seconds", "--node-dll", "--admin-token", "--tls"];

    public static async Task<int> RunAsync(CommandContext context)
    {
        var args = context.Args;
        args.RejectUnknown(s_options, takesExtraNodeArgs: true);
        var nodeCount = args.RequiredInt("--nodes", 1, 99);
        var httpPort = args.RequiredInt("--http-port", 1, 65535 - nodeCount + 1);
        var raftPort = args.RequiredInt("--raft-port", 1, 65535 - nodeCount + 1);
        var host = ParseHost(args.Optional("--host") ?? "127.0.0.1");
        if (Math.Abs(httpPort - raftPort) < nodeCount)
            throw ToolFailure.Usage($"HTTP ports {httpPort}-{httpPort + nodeCount - 1} and Raft ports {raftPort}-{raftPort + nodeCount - 1} overlap");
        var timeout = context.ReadyTimeout();
        var dataRoot = context.DataRoot();

        Directory.CreateDirectory(dataRoot);
        using var dataLock = DataDirLock.Acquire(dataRoot);
        var previous = StateFile.TryLoad(dataRoot);
        RequireStartable(dataRoot, previous, host.ToString(), nodeCount, httpPort, raftPort);
        var nodeDll = NodeDllLocator.Resolve(args.Optional("--node-dll"));
        var dotnet = DotnetHost.Find();

        var state = new ClusterState
        {
            ClusterId = previous?.ClusterId ?? Guid.NewGuid(),
            Host = host.ToString(),
            HttpPort = httpPort,
            RaftPort = raftPort,
            NodeDll = nodeDll,
            ExtraArgs = args.ExtraNodeArgs,
            // Members speak mutual TLS unless told not to: a local cluster is set up as a production one should be.
            Tls = previous?.Tls ?? args.Optional("--tls") is not "false",
            AdminToken = args.Optional("--admin-token") ?? previous?.AdminToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            // A stopped cluster starts again with the nodes it has now, those added since included, removed ones left out.
            Nodes = previous?.Nodes ?? ClusterLayout.Nodes(dataRoot, host.ToString(), nodeCount, httpPort, raftPort),
        };
        PortCheck.RequireFree(host, state.Members.SelectMany(n => ClusterLayout.Ports(state, n)));
        if (state.Tls)
            ClusterCertificates.Ensure(dataRoot, state.Host, state.Nodes.Select(n => n.Id));
        foreach (var node in state.Members)
            NodeLauncher.RequireData(node); // before any node starts: all or none
        StateFile.Save(dataRoot, state);

        var launched = new List<LaunchedNode>();
        try
        {
            foreach (var node in state.Members)
            {
                var logOffset = NodeLauncher.MarkLog(node, previous is null ? "start" : "start again");
                var process = NodeLauncher.Start(state, node, dotnet);
                node.Pid = process.Id;
                launched.Add(new LaunchedNode(node, process, logOffset));
                // Saved after each launch, so a crash of this tool still leaves every PID for cluster stop.
                StateFile.Save(dataRoot, state);
                context.Progress.WriteLine($"started {node.Id} (pid {process.Id}), log {node.LogFile}");
            }
            var views = await ReadinessWaiter.WaitAsync(launched, requireAgreement: true, timeout, context.Cancellation).ConfigureAwait(false);
            context.Progress.WriteLine($"leader {views[0].LeaderRaft} in term {views[0].Term}");
        }
        catch (Exception e) when (e is ToolFailure or OperationCanceledException)
        {
            NodeTerminator.Stop(state, launched.Select(l => l.Node), context.Progress);
            StateFile.Save(dataRoot, state);
            throw;
        }
        foreach (var node in state.Members)
            context.Output.WriteLine(node.Http);
        return ExitCodes.Success;
    }

    private static IPAddress ParseHost(string text) =>
        IPAddress.TryParse(text, out var address)
            ? address
            : throw ToolFailure.Usage($"--host must be an IP address (the nodes' Raft endpoints need one), not '{text}'");

    /// <summary>
    /// DIR must be new, empty, or hold a stopped cluster of exactly this shape: a start never takes over
    /// a directory it did not create, nor one whose nodes still run.
    /// </summary>
    private static void RequireStartable(string dataRoot, ClusterState? previous, string host, int nodeCount, int httpPort, int raftPort)
    {
        if (previous is null)
        {
            var foreign = Directory.EnumerateFileSystemEntries(dataRoot).Any(p => Path.GetFileName(p) != ClusterLayout.LockFileName);
            if (foreign)
                throw new ToolFailure($"{dataRoot} is not empty and has no {ClusterLayout.StateFileName}, so it is not a cluster directory; use another --data");
            return;
        }
        if (!previous.HasShape(host, nodeCount, httpPort, raftPort))
            throw new ToolFailure($"{dataRoot} belongs to another cluster ({previous.Describe()}); use another --data or delete it");
        var running = previous.Nodes.Where(n => NodeProcessInspector.IsAlive(n.Pid, previous.NodeDll, n)).ToList();
        if (running.Count > 0)
            throw new ToolFailure($"cluster in {dataRoot} is already running ({string.Join(", ", running.Select(n => $"{n.Id} pid {n.Pid}"))}); stop it first");
    }
}

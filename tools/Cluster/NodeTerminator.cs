using System.Diagnostics;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// Ends node processes by their recorded PID, after checking each one is still our node, and records
/// pid null for those that are gone. Called by stop, kill and restart, and by start and restart to undo
/// what they started when they fail. The caller saves the state file afterwards.
/// </summary>
internal static class NodeTerminator
{
    /// <summary>How long a node gets to shut down after SIGTERM before it is sent SIGKILL.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>How long a SIGKILLed process may take to disappear before we call it stuck.</summary>
    private static readonly TimeSpan s_killWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// SIGTERM to every running node at once, then SIGKILL to those still running after the grace period.
    /// A paused node also gets SIGCONT, since a stopped process does not act on SIGTERM until continued.
    /// </summary>
    public static void Stop(ClusterState state, IEnumerable<NodeState> nodes, TextWriter progress)
    {
        var running = Running(state, nodes);
        foreach (var node in running)
        {
            Signals.Send(node.Pid!.Value, Signals.SIGTERM);
            Signals.Send(node.Pid!.Value, Signals.SIGCONT);
        }
        var stragglers = WaitUntilGone(state, running, GracePeriod);
        foreach (var node in stragglers)
        {
            progress.WriteLine($"{node.Id} (pid {node.Pid}) did not exit within {GracePeriod.TotalSeconds:0} s of SIGTERM; sending SIGKILL");
            Signals.Send(node.Pid!.Value, Signals.SIGKILL);
        }
        var stuck = WaitUntilGone(state, stragglers, s_killWait);
        foreach (var node in running.Except(stuck))
        {
            progress.WriteLine($"stopped {node.Id} (pid {node.Pid})");
            node.Pid = null;
        }
        FailIfStuck(stuck);
    }

    /// <summary>SIGKILL, then wait until the process is gone.</summary>
    public static void Kill(ClusterState state, NodeState node, TextWriter progress)
    {
        var running = Running(state, [node]);
        foreach (var target in running)
            Signals.Send(target.Pid!.Value, Signals.SIGKILL);
        var stuck = WaitUntilGone(state, running, s_killWait);
        FailIfStuck(stuck);
        if (running.Count > 0)
            progress.WriteLine($"killed {node.Id} (pid {node.Pid})");
        node.Pid = null;
    }

    /// <summary>The given nodes whose recorded PID is still our node; the others get pid null right away.</summary>
    private static List<NodeState> Running(ClusterState state, IEnumerable<NodeState> nodes)
    {
        var running = new List<NodeState>();
        foreach (var node in nodes)
        {
            if (NodeProcessInspector.IsAlive(node.Pid, state.NodeDll, node))
                running.Add(node);
            else
                node.Pid = null;
        }
        return running;
    }

    /// <summary>Polls until every node is gone or the time is up; returns those still alive.</summary>
    private static List<NodeState> WaitUntilGone(ClusterState state, List<NodeState> nodes, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        var alive = nodes;
        while (true)
        {
            alive = alive.Where(n => NodeProcessInspector.IsAlive(n.Pid, state.NodeDll, n)).ToList();
            if (alive.Count == 0 || waited.Elapsed >= timeout)
                return alive;
            Thread.Sleep(s_pollInterval);
        }
    }

    private static void FailIfStuck(List<NodeState> stuck)
    {
        if (stuck.Count > 0)
        {
            var list = string.Join(", ", stuck.Select(n => $"{n.Id} pid {n.Pid}"));
            throw new ToolFailure($"still running {s_killWait.TotalSeconds:0} s after SIGKILL: {list}");
        }
    }
}

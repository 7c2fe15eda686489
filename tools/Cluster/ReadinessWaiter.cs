using System.Diagnostics;
using System.Globalization;

namespace RaftTimers.Tools.Cluster;

/// <summary>A node that start or restart has just launched: its process, and where this run's log output begins.</summary>
internal sealed record LaunchedNode(NodeState Node, Process Process, long LogOffset);

/// <summary>
/// Polls GET /cluster on freshly launched nodes until they are ready, a node exits, or the time is up.
/// Ready means every node answers 200 with a non-null leader and, when <c>requireAgreement</c> is set
/// (a whole-cluster start), all of them name the same leader. Called by start and restart, which stop the
/// nodes they launched when this throws.
/// </summary>
internal static class ReadinessWaiter
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(150);

    /// <summary>Returns each node's view, in the order given; throws <see cref="ToolFailure"/> with log tails.</summary>
    public static async Task<IReadOnlyList<ClusterView>> WaitAsync(
        IReadOnlyList<LaunchedNode> nodes, bool requireAgreement, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            FailIfAnyExited(nodes);
            var results = await Task.WhenAll(nodes.Select(n => ClusterProbe.GetAsync(n.Node, cancellationToken))).ConfigureAwait(false);
            var leaders = results.Where(r => r.KnowsLeader).Select(r => r.View!.LeaderRaft).Distinct(StringComparer.Ordinal).Count();
            if (results.All(r => r.KnowsLeader) && (!requireAgreement || leaders == 1))
                return results.Select(r => r.View!).ToList();
            if (waited.Elapsed >= timeout)
                throw TimedOut(nodes, results, timeout);
            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void FailIfAnyExited(IReadOnlyList<LaunchedNode> nodes)
    {
        var exited = nodes.FirstOrDefault(n => n.Process.HasExited);
        if (exited is null)
            return;
        var code = exited.Process.ExitCode.ToString(CultureInfo.InvariantCulture);
        throw new ToolFailure(
            $"{exited.Node.Id} (pid {exited.Process.Id}) exited with code {code} before the cluster was ready\n" +
            LogTail.Describe(exited.Node, exited.LogOffset));
    }

    private static ToolFailure TimedOut(IReadOnlyList<LaunchedNode> nodes, ProbeResult[] results, TimeSpan timeout)
    {
        var pending = nodes.Zip(results).Where(p => !p.Second.KnowsLeader).ToList();
        if (pending.Count == 0)
        {
            // Everyone knows a leader but they disagree: show what each one thinks.
            var views = string.Join(", ", nodes.Zip(results).Select(p => $"{p.First.Node.Id}: {p.Second.View!.LeaderRaft}"));
            return new ToolFailure($"timed out after {timeout.TotalSeconds:0} s: the nodes disagree on the leader ({views})");
        }
        var names = string.Join(", ", pending.Select(p => p.First.Node.Id));
        var details = pending.Select(p => $"{p.First.Node.Id} (pid {p.First.Process.Id}): {p.Second.Reason}\n{LogTail.Describe(p.First.Node, p.First.LogOffset)}");
        return new ToolFailure($"timed out after {timeout.TotalSeconds:0} s waiting for {names} to know a leader\n" + string.Join('\n', details));
    }
}

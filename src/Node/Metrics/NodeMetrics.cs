using System.Diagnostics.Metrics;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using RaftTimers.Raft;

namespace RaftTimers.Node.Metrics;

/// <summary>
/// The node's own instruments (System.Diagnostics.Metrics, meter <see cref="MeterName"/>), exported at <c>/metrics</c>
/// in Prometheus text by OpenTelemetry. The gauges read the node when scraped; nothing is sampled in between.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "RaftTimers";

    private readonly Meter meter = new(MeterName);
    private readonly TimerNode node;
    private readonly Counter<long> leaderChanges;

    public NodeMetrics(TimerNode node)
    {
        this.node = node;
        meter.CreateObservableGauge("rafttimers.timers.pending", () => node.Store.Read(s => (long)s.PendingCount), description: "Timers waiting to fire, in this node's state");
        meter.CreateObservableGauge("rafttimers.raft.term", () => node.Cluster.Term, description: "This node's Raft term");
        meter.CreateObservableGauge("rafttimers.raft.commit_index", () => node.CommitIndex, description: "Last log index this node knows to be committed");
        meter.CreateObservableGauge("rafttimers.raft.applied_index", () => node.AppliedIndex, description: "Last log index applied to this node's state");
        meter.CreateObservableGauge("rafttimers.raft.leader", () => node.IsLeader ? 1 : 0, description: "1 while this node leads and may propose, else 0");
        leaderChanges = meter.CreateCounter<long>("rafttimers.raft.leader_changes", description: "Times this node saw the leader change (to another node or to none)");
        node.Cluster.LeaderChanged += OnLeaderChanged;
    }

    private void OnLeaderChanged(ICluster cluster, IClusterMember? leader) => leaderChanges.Add(1);

    public void Dispose()
    {
        node.Cluster.LeaderChanged -= OnLeaderChanged;
        meter.Dispose();
    }
}

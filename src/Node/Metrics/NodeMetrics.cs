using System.Diagnostics.Metrics;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Storage;

namespace RaftTimers.Node.Metrics;

/// <summary>
/// The node's state as gauges on the meter <see cref="MeterName"/>, exported at <c>/metrics</c> in Prometheus text by
/// OpenTelemetry: pending timers, Raft term, indexes, lag, leadership, and whether progress has stalled. The gauges
/// read the node when scraped; only the stall detector samples in between (see <see cref="ProgressStallDetector"/>).
/// </summary>
/// <remarks>
/// Replication lag per follower, as the leader sees it, is not exported: DotNext 6.12 keeps each member's replication
/// index internal (<c>IRaftClusterMember.State</c> is protected internal). Each node exports its own indexes instead:
/// <c>rafttimers_raft_apply_lag</c> is what it has committed but not applied, and the lag of a node behind the
/// cluster is <c>max(rafttimers_raft_commit_index) - rafttimers_raft_applied_index</c> across the scrapes.
/// </remarks>
public sealed class NodeMetrics : IDisposable
{
    /// <summary>The one meter every RaftTimers instrument lives on; the exporter subscribes to it by this name.</summary>
    public const string MeterName = "RaftTimers";

    private readonly TimerNode node;
    private readonly TimeProvider clock;
    private long leaderChanges;
    private readonly ProgressStallDetector stall;
    private readonly Lock sampling = new();
    private readonly ITimer stallSampler;
    private readonly long started;

    /// <summary>
    /// Adds the gauges to <paramref name="meter"/> and starts sampling progress for the stall gauge, a few times per
    /// <paramref name="stallAfter"/> (at most once a second).
    /// </summary>
    public NodeMetrics(Meter meter, TimerNode node, TimeSpan stallAfter, TimeProvider clock, DiskSpaceGuard? disk = null)
    {
        this.node = node;
        this.clock = clock;
        stall = new ProgressStallDetector(stallAfter);
        started = clock.GetTimestamp();
        meter.CreateObservableGauge("rafttimers.timers.pending", () => node.Store.Read(s => (long)s.PendingCount), description: "Timers waiting to fire, in this node's state");
        meter.CreateObservableGauge("rafttimers.raft.term", () => node.View.Term, description: "This node's Raft term");
        meter.CreateObservableGauge("rafttimers.raft.commit_index", () => node.CommitIndex, description: "Last log index this node knows to be committed");
        meter.CreateObservableGauge("rafttimers.raft.applied_index", () => node.AppliedIndex, description: "Last log index applied to this node's state");
        meter.CreateObservableGauge("rafttimers.raft.last_log_index", () => node.LastLogIndex, description: "Last index in this node's log, committed or not");
        meter.CreateObservableGauge("rafttimers.raft.apply_lag", () => Math.Max(0, node.CommitIndex - node.AppliedIndex), "{entry}",
            "Entries this node knows to be committed but has not applied yet (commit index minus applied index)");
        meter.CreateObservableGauge("rafttimers.raft.leader", () => node.IsLeader ? 1 : 0, description: "1 while this node leads and may propose, else 0");
        meter.CreateObservableGauge("rafttimers.raft.progress_stalled", () => stall.IsStalled ? 1 : 0,
            description: "1 while entries or proposals have waited on this node without its applied index moving for RaftTimers:Metrics:StallAfterMs, else 0");
        // Observed rather than added to: a counter has no series until its first measurement after the exporter listens,
        // so a node whose leader never changed since then would export none, and a scrape could not tell "no change"
        // from "no such metric".
        if (disk is not null)
        {
            meter.CreateObservableGauge("rafttimers.storage.free", () => disk.FreeBytes, "By",
                "Free bytes in the data directory's file system, as the node last read them (docs/storage.md)");
            meter.CreateObservableGauge("rafttimers.storage.low", () => disk.IsLow ? 1 : 0,
                description: "1 while free space is below RaftTimers:Storage:MinFreeBytes: the leader refuses creates and replaces (507)");
        }

        var clusterClock = node.ClusterClock;
        meter.CreateObservableGauge("rafttimers.clock.offset", () => clusterClock.Samples()
                .Select(s => new Measurement<long>(s.Value.OffsetMs, new KeyValuePair<string, object?>("member", s.Key))),
            "ms", "Each other member's wall clock minus this node's, by its latest fresh sample (docs/clocks.md)");
        meter.CreateObservableGauge("rafttimers.clock.may_fire", () => clusterClock.MayFire ? 1 : 0,
            description: "1 while a majority of members confirms this node's clock, so it fires timers when it leads; else 0");
        meter.CreateObservableGauge("rafttimers.clock.outlier", () => clusterClock.Verdict == ClockVerdict.Outlier ? 1 : 0,
            description: "1 while a majority of members agrees among itself and not with this node's clock: it neither leads nor fires");
        meter.CreateObservableGauge("rafttimers.clock.correction", () => clusterClock.CorrectionMs, "ms",
            "How far the time this node acts on is from its wall clock while a step of it waits for confirmation");
        meter.CreateObservableCounter("rafttimers.clock.steps", () => clusterClock.Steps, description: "Steps of this node's wall clock seen");
        meter.CreateObservableCounter("rafttimers.clock.stamps_ahead", () => clusterClock.StampsAhead,
            description: "Applied entries stamped further ahead of this node's clock than the skew allows");
        meter.CreateObservableCounter("rafttimers.raft.leader_changes", () => Volatile.Read(ref leaderChanges),
            description: "Times this node saw the leader change (to another node or to none)");
        node.View.LeaderChanged += OnLeaderChanged;

        var every = TimeSpan.FromMilliseconds(Math.Clamp(stallAfter.TotalMilliseconds / 5, 100, 1_000));
        stallSampler = clock.CreateTimer(_ => SampleProgress(), null, every, every);
    }

    /// <summary>
    /// Runs on the sampler's timer. Timer callbacks may overlap when the thread pool is starved, and the detector is
    /// single-threaded, so samples are taken one at a time; the applied index is read last, so an entry applied
    /// between the reads can only make the sample look less stalled.
    /// </summary>
    private void SampleProgress()
    {
        lock (sampling)
        {
            var waiting = node.Proposer.WaitingCount;
            var lastLogIndex = node.LastLogIndex;
            stall.Observe(clock.GetElapsedTime(started), new ProgressSample(lastLogIndex, node.AppliedIndex, waiting));
        }
    }

    private void OnLeaderChanged() => Interlocked.Increment(ref leaderChanges);

    public void Dispose()
    {
        node.View.LeaderChanged -= OnLeaderChanged;
        stallSampler.Dispose();
    }
}

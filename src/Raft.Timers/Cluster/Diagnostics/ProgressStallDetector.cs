namespace RaftTimers.Cluster.Diagnostics;

/// <summary>One look at a node's progress: its log's last index, its applied index, and proposals waiting on it.</summary>
/// <param name="LastLogIndex">The last entry in this node's log, committed or not.</param>
/// <param name="AppliedIndex">The last entry applied to this node's state.</param>
/// <param name="ProposalsWaiting">Commands this node is proposing (queued or replicating), not yet answered; 0 on a follower.</param>
public readonly record struct ProgressSample(long LastLogIndex, long AppliedIndex, int ProposalsWaiting)
{
    /// <summary>
    /// Work is waiting for apply: entries in the log that are not applied yet (committed and waiting to be applied, or
    /// appended and waiting for a majority), or proposals this node has not answered. An idle node has none.
    /// </summary>
    public bool HasWaitingWork => LastLogIndex > AppliedIndex || ProposalsWaiting > 0;
}

/// <summary>
/// Decides whether a node's progress has stalled: work has been waiting (see <see cref="ProgressSample.HasWaitingWork"/>)
/// and the applied index has not moved for at least the configured time. That catches an apply loop that is stuck and a
/// leader whose entries never reach a majority, while an idle node, whose applied index stays put because nothing
/// is waiting, is never reported — however long it stays idle.
/// </summary>
/// <remarks>
/// Pure: the caller samples the node and a monotonic clock and feeds each sample in (the node does so every second,
/// see <c>NodeMetrics</c>); nothing here reads a clock or the node. The stall clock restarts at every sample that saw
/// progress or nothing waiting, so a node that was idle for an hour is not stalled the moment new work arrives; work
/// that arrives between two samples may be counted as waiting since the earlier one, at most one sample period early.
/// Not thread-safe: one sampler calls <see cref="Observe"/>; readers of <see cref="IsStalled"/> see the last decision.
/// </remarks>
public sealed class ProgressStallDetector
{
    private readonly TimeSpan stallAfter;
    private long lastAppliedIndex = -1;
    private TimeSpan progressAt;
    private volatile bool stalled;

    public ProgressStallDetector(TimeSpan stallAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stallAfter, TimeSpan.Zero);
        this.stallAfter = stallAfter;
    }

    /// <summary>The decision of the last <see cref="Observe"/>; false before the first.</summary>
    public bool IsStalled => stalled;

    /// <summary>Takes one sample taken at <paramref name="now"/> (a monotonic clock) and returns whether progress has stalled.</summary>
    public bool Observe(TimeSpan now, ProgressSample sample)
    {
        // Progress, or nothing to make progress on: either way nothing is stuck as of now.
        if (sample.AppliedIndex != lastAppliedIndex || !sample.HasWaitingWork)
            progressAt = now;
        lastAppliedIndex = sample.AppliedIndex;
        var result = sample.HasWaitingWork && now - progressAt >= stallAfter;
        stalled = result;
        return result;
    }
}

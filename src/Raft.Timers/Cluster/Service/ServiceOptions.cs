using RaftTimers.Cluster.Propose;

namespace RaftTimers.Cluster.Service;

/// <summary>The limits the timer service holds writes to, and how long a request may take.</summary>
public sealed class ServiceOptions
{
    /// <summary>Pending timers the cluster accepts before creates are refused (<see cref="Refusal.Full"/>).</summary>
    public int MaxPendingTimers { get; set; } = 5_000_000;

    /// <summary>
    /// Bytes of pending timers (id, callback URI and data of each) the cluster accepts before creates and replaces that
    /// would add more are refused: what bounds the memory of pending timers, whose data may be large each.
    /// </summary>
    public long MaxPendingBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Timers one page of a list may look at: the most work a list does while it holds the lock that apply takes. A
    /// filter that matches few timers among many gives short pages with a continuation instead of a long hold.
    /// </summary>
    public int ListScanBudget { get; set; } = 10_000;

    /// <summary>The bytes of ids, callback URIs, data and errors one page of a list may carry (at least one timer is sent).</summary>
    public long ListMaxBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>How long a request may wait for a leader and a commit (the proposer's commit timeout too).</summary>
    public int RequestTimeoutMs { get; set; } = new ProposerOptions().CommitTimeoutMs;
}

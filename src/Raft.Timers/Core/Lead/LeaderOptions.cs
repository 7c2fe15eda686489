namespace RaftTimers.Core.Lead;

/// <summary>How the leader drives time: the wheel's tick, fire batching, and the purge of finished timers.</summary>
public sealed class LeaderOptions
{
    /// <summary>How often the leader's wheel is advanced.</summary>
    public int TickMs { get; set; } = 2;

    /// <summary>
    /// Fire proposals awaiting their result at once; more due timers wait in a queue on the leader. Below the proposer's
    /// window (entries in flight times commands per entry), so client writes always find room beside a burst of fires.
    /// </summary>
    public int MaxFiresInFlight { get; set; } = 1_024;

    /// <summary>
    /// Applied events waiting for the leader's loop at most; past it they are dropped and the leader rebuilds its wheel
    /// from the state. Reached only when the loop stalls while entries keep being applied.
    /// </summary>
    public int MaxQueuedEvents { get; set; } = 262_144;

    /// <summary>After a fire proposal with an unknown outcome, how long until the timer is checked and proposed again.</summary>
    public int FireRetryMs { get; set; } = 250;

    /// <summary>
    /// How often the leader makes sure every firing timer has a delivery running. Deliveries start from
    /// committed fires; this sweep is the safety net for one that stopped without a recorded result.
    /// </summary>
    public int FiringSweepMs { get; set; } = 5_000;

    /// <summary>How long finished (delivered, failed, cancelled) timers stay readable before they are purged.</summary>
    public long RetentionMs { get; set; } = 24L * 60 * 60 * 1000;

    /// <summary>
    /// How long failed timers stay readable, and can be re-driven, before they are purged: longer than the others by
    /// default, since someone has to look at them. The bounds below still remove the oldest first when they are full.
    /// </summary>
    public long FailedRetentionMs { get; set; } = 7L * 24 * 60 * 60 * 1000;

    /// <summary>How often the leader proposes the purge rule.</summary>
    public int PurgeIntervalMs { get; set; } = 60_000;

    /// <summary>
    /// At most this many finished timers are kept, however young: beyond it the oldest are purged first. Finished timers
    /// never make the cluster refuse a create; only pending ones fill it.
    /// </summary>
    public long MaxFinishedTimers { get; set; } = 1_000_000;

    /// <summary>At most this many bytes of finished timers (id, URI, data, last error) are kept; beyond it the oldest go first.</summary>
    public long MaxFinishedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The most timers one purge entry removes, so applying it holds readers up only briefly; while a purge was full,
    /// the next is proposed at once.
    /// </summary>
    public int PurgeSliceTimers { get; set; } = 10_000;
}

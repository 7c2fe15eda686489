namespace RaftTimers.Cluster.Diagnostics;

/// <summary>
/// What the leader's duties report as they happen, so the host can count them. The library names no metric and
/// depends on no exporter: the node's metrics class implements this and owns the instruments, their names and units.
/// Nothing here is called from the state machine's apply; every call is made by the leader at the edge, after the
/// fact it reports (a proposal's result came back, a callback request was sent or answered).
/// </summary>
/// <remarks>
/// Called concurrently from the leader's tick loop and its delivery tasks, on their own threads: implementations
/// must be thread-safe, must not block and must not throw.
/// </remarks>
public interface ILeaderObserver
{
    /// <summary>
    /// A fire entry this node proposed while leading is committed and applied: one fire decision. Called by
    /// <see cref="Lead.LeaderRunner"/> when the proposal's result comes back <c>Applied</c>. Only the node that
    /// appended an entry gets its result back, and a second fire of the same version applies as a no-op, so across the
    /// cluster this is called at most once per fire decision; a decision whose proposer lost leadership before its
    /// result came back is not reported by anyone.
    /// </summary>
    void FireApplied();

    /// <summary>
    /// Attempt 1 of a firing is about to be sent (a delivery slot is held): <paramref name="lateness"/> is this
    /// node's clock minus the timer's due time, never negative — the delay a receiver feels. Called by
    /// <see cref="Delivery.DeliveryRunner"/>; a new leader that re-sends an attempt 1 its predecessor never recorded
    /// reports it again.
    /// </summary>
    void FirstAttemptSending(TimeSpan lateness);

    /// <summary>
    /// One delivery attempt ended with <paramref name="outcome"/>. <paramref name="duration"/> is the callback request's
    /// time, from send to the response headers (or the failure); null when no request was sent (no such transport).
    /// <paramref name="deadLetterNotice"/>: the attempt sent a failed timer's dead-letter notice, not its callback.
    /// Called by <see cref="Delivery.DeliveryRunner"/> before the outcome is written to the log.
    /// </summary>
    void AttemptEnded(DeliveryAttemptOutcome outcome, TimeSpan? duration, bool deadLetterNotice);
}

/// <summary>How one delivery attempt ended, as the delivering leader saw it.</summary>
public enum DeliveryAttemptOutcome
{
    /// <summary>The receiver answered 2xx: the timer ends delivered.</summary>
    Delivered,

    /// <summary>The attempt failed (non-2xx, timeout, connection error) and another follows after a backoff.</summary>
    Retry,

    /// <summary>The last allowed attempt failed, or the timer names no known transport: the timer ends failed.</summary>
    Failed,

    /// <summary>Leadership ended while the request was in flight; its answer is unknown and the next leader repeats the attempt.</summary>
    Abandoned,
}

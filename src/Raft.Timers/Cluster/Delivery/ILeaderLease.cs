namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// Whether this node may send a callback now: it leads, and a majority confirmed that within the last lease period,
/// which ends before any follower's election timeout can (the lease counts from before the confirming round was sent).
/// A leader cut off from the others, or paused, loses its lease before another node can be elected, so it stops
/// sending before a new leader starts (<see cref="DeliveryRunner"/>).
/// </summary>
public interface ILeaderLease
{
    /// <summary>
    /// A token that stays uncancelled while the current lease lasts; false when there is no lease now (not the leader,
    /// or the last confirmation is older than a lease period).
    /// </summary>
    bool TryGet(out CancellationToken lease);
}

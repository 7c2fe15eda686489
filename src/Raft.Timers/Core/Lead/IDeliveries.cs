namespace RaftTimers.Core.Lead;

/// <summary>
/// What the leader's step asks of the deliveries of its term: start the delivery of a timer that just fired, take
/// firing timers offered from the state while there is room, and say when the state should be looked at again.
/// <see cref="DeliveryQueue"/> holds the bookkeeping; the runner that sends the callbacks wraps it.
/// </summary>
public interface IDeliveries
{
    /// <summary>How many firing timers the queue holds at most, beside the deliveries under way.</summary>
    int Capacity { get; }

    /// <summary>How many more firing timers the queue takes now.</summary>
    int Room { get; }

    /// <summary>Firing timers waiting for a delivery to end before theirs starts.</summary>
    int WaitingCount { get; }

    /// <summary>
    /// Set when a firing timer was turned away (the queue was full), or when the leader asked to look at every firing
    /// timer again: the leader then offers firing timers from the state as room frees up.
    /// </summary>
    bool NeedsRefill { get; }

    /// <summary>Whether the delivery of <paramref name="timerId"/> at <paramref name="version"/> is waiting or under way.</summary>
    bool IsKnown(string timerId, long version);

    /// <summary>Delivers a timer whose fire was just applied, unless it is known already or must wait for an offer.</summary>
    void Start(string timerId, long version);

    /// <summary>Delivers a firing timer the leader offered from the state, oldest first.</summary>
    void Offer(string timerId, long version);

    /// <summary>Asks the leader to offer every firing timer again, a queue's worth at a time.</summary>
    void RequestRefill();

    /// <summary>The state holds no firing timer beyond those just offered.</summary>
    void Refilled();
}

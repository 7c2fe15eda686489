namespace RaftTimers.Core.Lead;

/// <summary>
/// The bookkeeping of one term's deliveries (docs/design.md invariant 4): at most <see cref="Capacity"/> under way and
/// as many waiting, each timer version once. A firing timer turned away stays firing in the state and is offered again
/// when there is room (<see cref="NeedsRefill"/>), so a million timers fired at once cost a bounded queue, not an entry
/// each. Not thread-safe: the runner that sends the callbacks holds a lock around it.
/// </summary>
public sealed class DeliveryQueue(int capacity) : IDeliveries
{
    private readonly Queue<(string TimerId, long Version)> waiting = new();
    private readonly HashSet<(string TimerId, long Version)> known = []; // waiting or under way
    private bool refill;

    public int Capacity => capacity;

    public int Room => capacity - waiting.Count;

    public int WaitingCount => waiting.Count;

    /// <summary>Deliveries taken (<see cref="TryTake"/>) and not yet <see cref="Done"/>.</summary>
    public int RunningCount { get; private set; }

    public bool NeedsRefill => refill;

    public void RequestRefill() => refill = true;

    public void Refilled() => refill = false;

    public bool IsKnown(string timerId, long version) => known.Contains((timerId, version));

    public void Start(string timerId, long version) => Add(timerId, version, offered: false);

    public void Offer(string timerId, long version) => Add(timerId, version, offered: true);

    /// <summary>Queues a delivery; false when it is known already or was turned away.</summary>
    public bool Add(string timerId, long version, bool offered)
    {
        if (known.Contains((timerId, version)))
            return false;
        // Once one was turned away, newly fired timers queue behind it: they wait for the leader's offer too, which
        // takes the oldest fires first, so none waits for good while newer ones keep arriving.
        if (waiting.Count >= capacity || (!offered && refill))
        {
            refill = true;
            return false;
        }

        known.Add((timerId, version));
        waiting.Enqueue((timerId, version));
        return true;
    }

    /// <summary>The next delivery to start, oldest first, while fewer than <see cref="Capacity"/> are under way.</summary>
    public bool TryTake(out (string TimerId, long Version) next)
    {
        next = default;
        if (RunningCount >= capacity || !waiting.TryDequeue(out next))
            return false;
        RunningCount++;
        return true;
    }

    /// <summary>A delivery taken with <see cref="TryTake"/> ended, whatever its outcome.</summary>
    public void Done(string timerId, long version)
    {
        RunningCount--;
        known.Remove((timerId, version));
    }

    /// <summary>The term ended: the waiting deliveries never start; the next leader delivers whatever is still firing, from the log.</summary>
    public void DropWaiting()
    {
        foreach (var dropped in waiting)
            known.Remove(dropped);
        waiting.Clear();
    }
}

namespace RaftTimers.Node.Http;

/// <summary>
/// Bounds how many timer writes (create, replace, cancel) one node handles at once
/// (<c>RaftTimers:MaxInFlightWrites</c>); the endpoint answers 429 with <c>Retry-After</c> beyond it, before
/// proposing anything, so a refused request has no effect. A write takes its slot once its body has arrived whole
/// and holds it until its answer starts, forwarding to the leader included. A follower and the leader each count:
/// a write forwarded to the leader takes a slot on both. One interlocked counter, no lock.
/// </summary>
public sealed class InFlightLimit(int max)
{
    private int current;

    public int Max { get; } = max;

    /// <summary>Takes a slot; false when all <see cref="Max"/> are taken. Every true must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref current) <= Max)
            return true;
        Interlocked.Decrement(ref current);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref current);

    /// <summary>
    /// Takes a slot for an HTTP write and gives it back as the answer starts, or when the slot is disposed, whichever
    /// comes first: a client that has read its answer finds the slot free for its next write. Null when all are taken.
    /// </summary>
    public HeldSlot? TryHold(HttpResponse response)
    {
        if (!TryEnter())
            return null;
        var slot = new HeldSlot(this);
        response.OnStarting(HeldSlot.ReleaseOnStart, slot);
        return slot;
    }

    /// <summary>A slot taken by <see cref="TryHold"/>; giving it back twice gives it back once.</summary>
    public sealed class HeldSlot(InFlightLimit limit) : IDisposable
    {
        private int released;

        internal static readonly Func<object, Task> ReleaseOnStart = static slot =>
        {
            ((HeldSlot)slot).Dispose();
            return Task.CompletedTask;
        };

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
                limit.Exit();
        }
    }

    /// <summary>The reason of a 429 at this limit, the same whether the client's node or the leader refused.</summary>
    public string OverLimitReason => $"this node is handling its limit of {Max} timer writes at once; retry shortly";
}

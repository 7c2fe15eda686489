namespace RaftTimers.Client.Receiving;

/// <summary>
/// Remembers the <c>Idempotency-Key</c>s of callbacks already handled, for a receiver that runs as one process: a timer
/// is delivered at least once, and a retry after a lost answer or a new leader's re-delivery carries the same key
/// (docs/api.md, "Callback delivery"). Keys are kept for <c>retention</c> and at most <c>capacity</c> of them, oldest
/// dropped first, so memory stays bounded. A receiver with several instances, or whose effect must survive a restart,
/// records the key in its own database in the transaction that makes the effect instead. Thread-safe.
/// </summary>
public sealed class SeenCallbacks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, long> expiry = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long ExpiresAt)> order = new();
    private readonly int capacity;
    private readonly long retentionTicks;
    private readonly TimeProvider clock;

    /// <param name="retention">How long a key is remembered; an hour when null. Retries of one firing end within minutes by default.</param>
    /// <param name="capacity">How many keys are remembered at most.</param>
    /// <param name="clock">The receiver's clock; the system clock when null.</param>
    public SeenCallbacks(TimeSpan? retention = null, int capacity = 100_000, TimeProvider? clock = null)
    {
        var kept = retention ?? TimeSpan.FromHours(1);
        if (kept <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(retention), retention, "must be positive");
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        retentionTicks = kept.Ticks;
        this.capacity = capacity;
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary>How many keys are remembered now.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return expiry.Count;
        }
    }

    /// <summary>
    /// True the first time a key is offered (handle the callback), false while it is remembered (answer 2xx and do
    /// nothing: the first delivery did the work). Call <see cref="Forget"/> when handling the first one failed, so
    /// that the retry is handled.
    /// </summary>
    public bool FirstTime(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var now = clock.GetUtcNow().UtcTicks;
        lock (gate)
        {
            DropExpired(now);
            if (expiry.TryGetValue(idempotencyKey, out var expiresAt) && expiresAt > now)
                return false;
            while (expiry.Count >= capacity && order.TryDequeue(out var oldest))
                RemoveIfCurrent(oldest.Key, oldest.ExpiresAt);
            var until = now + retentionTicks;
            expiry[idempotencyKey] = until;
            order.Enqueue((idempotencyKey, until));
            return true;
        }
    }

    /// <summary>Forgets a key, so that its next delivery counts as the first.</summary>
    public void Forget(string idempotencyKey)
    {
        lock (gate)
            expiry.Remove(idempotencyKey);
    }

    private void DropExpired(long now)
    {
        while (order.TryPeek(out var oldest) && oldest.ExpiresAt <= now)
        {
            order.Dequeue();
            RemoveIfCurrent(oldest.Key, oldest.ExpiresAt);
        }
    }

    // A key forgotten and offered again has a newer entry in the queue; an older entry must not remove it.
    private void RemoveIfCurrent(string key, long expiresAt)
    {
        if (expiry.TryGetValue(key, out var current) && current == expiresAt)
            expiry.Remove(key);
    }
}

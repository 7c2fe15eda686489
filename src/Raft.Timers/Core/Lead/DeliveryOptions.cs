namespace RaftTimers.Core.Lead;

/// <summary>How callbacks are delivered (docs/api.md, callback delivery).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Attempts per firing, the first included; after the last failure the timer ends failed.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The gap after the first failed attempt; each later gap doubles, up to <see cref="MaxBackoffMs"/>.</summary>
    public int InitialBackoffMs { get; set; } = 1_000;

    public int MaxBackoffMs { get; set; } = 60_000;

    /// <summary>
    /// The share of each gap taken off at random (0..1), so receivers that failed together are not
    /// retried together. A gap lies in [(1 - jitter) * base, base]; with jitter below 0.5 each gap is
    /// longer than the one before until the base reaches <see cref="MaxBackoffMs"/>.
    /// </summary>
    public double BackoffJitter { get; set; } = 0.25;

    /// <summary>How long one attempt may take, connect to last byte.</summary>
    public int AttemptTimeoutMs { get; set; } = 10_000;

    /// <summary>Callbacks in flight at once on the leader; more wait their turn.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 256;

    /// <summary>
    /// Deliveries under way at once (sending, waiting for a send slot, or backing off between attempts); more firing
    /// timers wait in a queue as an id and a version each, so a million timers firing at once cost a queue entry each,
    /// not a task each.
    /// </summary>
    public int MaxActiveDeliveries { get; set; } = 4_096;

    /// <summary>Pooled keep-alive connections per callback host.</summary>
    public int MaxConnectionsPerServer { get; set; } = 64;

    public void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "must be at least 1");
        if (InitialBackoffMs < 0) throw new ArgumentOutOfRangeException(nameof(InitialBackoffMs), InitialBackoffMs, "must not be negative");
        if (MaxBackoffMs < InitialBackoffMs) throw new ArgumentOutOfRangeException(nameof(MaxBackoffMs), MaxBackoffMs, "must be at least InitialBackoffMs");
        if (BackoffJitter is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(BackoffJitter), BackoffJitter, "must lie in 0..1");
        if (AttemptTimeoutMs < 1) throw new ArgumentOutOfRangeException(nameof(AttemptTimeoutMs), AttemptTimeoutMs, "must be at least 1");
        if (MaxConcurrentDeliveries < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrentDeliveries), MaxConcurrentDeliveries, "must be at least 1");
        if (MaxActiveDeliveries < 1) throw new ArgumentOutOfRangeException(nameof(MaxActiveDeliveries), MaxActiveDeliveries, "must be at least 1");
        if (MaxConnectionsPerServer < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerServer), MaxConnectionsPerServer, "must be at least 1");
    }
}

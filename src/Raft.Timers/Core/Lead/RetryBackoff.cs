namespace RaftTimers.Core.Lead;

/// <summary>Exponential backoff with bounded jitter between delivery attempts.</summary>
public sealed class RetryBackoff(DeliveryOptions options, Random random)
{
    /// <summary>The gap after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan After(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var baseMs = Math.Min((double)options.InitialBackoffMs * (1L << exponent), options.MaxBackoffMs);
        double jitter;
        lock (random)
            jitter = random.NextDouble();
        return TimeSpan.FromMilliseconds(baseMs * (1 - (options.BackoffJitter * jitter)));
    }
}

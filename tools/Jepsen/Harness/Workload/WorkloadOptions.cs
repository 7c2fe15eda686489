namespace RaftTimers.JepsenLike.Workload;

/// <summary>The mix (issue: create with delays 0–5 s and a long tail, ~10% update, ~20% cancel, the rest get).</summary>
public sealed record WorkloadOptions
{
    public int Clients { get; init; } = 8;

    public double UpdateShare { get; init; } = 0.10;

    public double CancelShare { get; init; } = 0.20;

    public double GetShare { get; init; } = 0.10;

    /// <summary>
    /// Share of creates sent as a batch (POST /timer/batch): 2 to 5 creates with their own ids, and a cancel of a known
    /// timer in half of them, decided in one log entry. Each item goes into the history as an operation of its own.
    /// </summary>
    public double BatchShare { get; init; } = 0.1;

    /// <summary>Share of creates that choose their own id (x-timer-id); the rest let the server choose.</summary>
    public double ClientIdShare { get; init; } = 0.5;

    /// <summary>Mean of the exponential delay distribution, capped at <see cref="MaxDelayMs"/>.</summary>
    public double MeanDelayMs { get; init; } = 900;

    public long MaxDelayMs { get; init; } = 5_000;

    /// <summary>A client pauses this long between its operations, so the history stays checkable.</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromMilliseconds(40);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

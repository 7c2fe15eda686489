namespace RaftTimers.Cluster.Clock;

/// <summary>
/// How members compare their wall clocks (docs/clocks.md): each samples every other member's clock, and a node whose
/// clock a majority does not confirm within <see cref="MaxSkewMs"/> neither fires timers nor leads.
/// </summary>
public sealed class ClockOptions
{
    /// <summary>
    /// The most a member's clock may differ from the others' and still count as agreeing. It bounds how early a callback
    /// can be sent: a leader whose clock runs ahead of a majority's by more than this does not fire.
    /// </summary>
    public int MaxSkewMs { get; set; } = 500;

    /// <summary>How often each member asks every other member for its clock.</summary>
    public int SampleIntervalMs { get; set; } = 1_000;

    /// <summary>
    /// How long a sample counts. Long enough that a member slow to answer under load does not stop the leader from
    /// firing; a step of this node's own clock is caught at once by <see cref="ClusterClock.Read"/>, whatever the age.
    /// </summary>
    public int SampleMaxAgeMs { get; set; } = 10_000;

    /// <summary>How long one sample may take; the round trip bounds its precision (half of it either way).</summary>
    public int SampleTimeoutMs { get; set; } = 2_000;

    /// <summary>
    /// A difference between the wall clock's progress and the monotonic clock's above this is a step of the wall clock:
    /// logged, counted, and not followed until a majority's clocks confirm the new time.
    /// </summary>
    public int JumpThresholdMs { get; set; } = 250;

    public void Validate()
    {
        if (MaxSkewMs < 1) throw new ArgumentOutOfRangeException(nameof(MaxSkewMs), MaxSkewMs, "must be at least 1");
        if (SampleIntervalMs < 10) throw new ArgumentOutOfRangeException(nameof(SampleIntervalMs), SampleIntervalMs, "must be at least 10");
        if (SampleMaxAgeMs < SampleIntervalMs) throw new ArgumentOutOfRangeException(nameof(SampleMaxAgeMs), SampleMaxAgeMs, "must be at least SampleIntervalMs");
        if (SampleTimeoutMs < 1) throw new ArgumentOutOfRangeException(nameof(SampleTimeoutMs), SampleTimeoutMs, "must be at least 1");
        if (JumpThresholdMs < 1) throw new ArgumentOutOfRangeException(nameof(JumpThresholdMs), JumpThresholdMs, "must be at least 1");
    }
}

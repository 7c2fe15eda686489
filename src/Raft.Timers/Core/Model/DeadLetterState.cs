namespace RaftTimers.Core.Model;

/// <summary>
/// Where a failed timer's dead-letter notice stands (docs/api.md, "Dead letters"). A timer whose spec names a
/// <see cref="TimerSpec.DeadLetter"/> target is <see cref="Pending"/> from the moment it ends failed until the notice
/// was delivered or its attempts ran out; a re-drive starts over.
/// </summary>
/// <remarks>The numeric values are part of the snapshot format; never renumber them.</remarks>
public enum DeadLetterState : byte
{
    /// <summary>No notice is owed: the timer has no dead-letter target, or has not failed.</summary>
    None = 0,

    /// <summary>The timer failed and the leader is sending its notice.</summary>
    Pending = 1,

    /// <summary>The dead-letter target acknowledged the notice.</summary>
    Delivered = 2,

    /// <summary>The notice's attempts ran out too.</summary>
    Failed = 3,
}

public static class DeadLetterStateNames
{
    /// <summary>The lower-case names used by the HTTP API (docs/api.md).</summary>
    public static string ToApiName(this DeadLetterState state) => state switch
    {
        DeadLetterState.None => "none",
        DeadLetterState.Pending => "pending",
        DeadLetterState.Delivered => "delivered",
        DeadLetterState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}

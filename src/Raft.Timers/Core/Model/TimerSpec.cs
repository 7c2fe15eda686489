namespace RaftTimers.Core.Model;

/// <summary>
/// Everything a client gives when it creates or replaces a timer. Two specs are equal when
/// every field is equal; that decides whether a repeated create with the same id is an
/// idempotent retry (201) or a conflict (409).
/// </summary>
/// <remarks>
/// A timer is due either <see cref="TimeoutMs"/> after the stamp of the entry that created or replaced it (Skyring's
/// <c>timeout</c>), or at the absolute time <see cref="DueAtUnixMs"/> (<c>dueAt</c>), whatever the entry's stamp; then
/// <see cref="TimeoutMs"/> is 0. Both rules read only the log, so every node computes the same due time.
/// </remarks>
public sealed record TimerSpec(long TimeoutMs, CallbackSpec Callback, TimerData Data)
{
    /// <summary>The absolute due time (Unix ms) of a timer created with <c>dueAt</c>; null for one created with a timeout.</summary>
    public long? DueAtUnixMs { get; init; }

    /// <summary>Headers its callback carries besides the node's own; null for none.</summary>
    public TimerHeaders? Headers { get; init; }

    /// <summary>
    /// When a repeating timer fires (<see cref="TimerSchedule"/>); null for a timer that fires once. A scheduled timer has
    /// neither a timeout nor a <see cref="DueAtUnixMs"/>: its schedule gives each due time.
    /// </summary>
    public TimerSchedule? Schedule { get; init; }

    /// <summary>
    /// Where a notice goes when the timer ends failed (docs/api.md, "Dead letters"); null for none. Part of the spec, so
    /// whether a notice is owed is decided from the log alone, never from a node's configuration.
    /// </summary>
    public CallbackSpec? DeadLetter { get; init; }

    /// <summary>A timer due at <paramref name="dueAtUnixMs"/>, however long after its create that is.</summary>
    public static TimerSpec At(long dueAtUnixMs, CallbackSpec callback, TimerData data)
        => new(0, callback, data) { DueAtUnixMs = dueAtUnixMs };

    /// <summary>
    /// When a timer with this spec, created or replaced by an entry stamped <paramref name="stampUnixMs"/>, is due. A
    /// <c>dueAt</c> already past is due at once. Saturates rather than throwing: an absurd stamp in a committed entry must
    /// give the same state on every node, not stop apply halfway through the entry.
    /// </summary>
    public long DueFrom(long stampUnixMs)
        => DueAtUnixMs ?? (stampUnixMs > long.MaxValue - TimeoutMs ? long.MaxValue : stampUnixMs + TimeoutMs);

    public bool SameAs(TimerSpec other)
        => TimeoutMs == other.TimeoutMs && DueAtUnixMs == other.DueAtUnixMs && Callback == other.Callback && Data.ContentEquals(other.Data)
            && Headers == other.Headers && Schedule == other.Schedule && DeadLetter == other.DeadLetter;
}

namespace RaftTimers.Core.Apply;

/// <summary>
/// A frozen copy of the state machine at one applied index: what a snapshot holds. Timer records are immutable, so the
/// copy is an array of references taken in id order; it can be written to disk while the live state moves on.
/// </summary>
public sealed record SnapshotImage(long LastAppliedIndex, long LastStampUnixMs, TimerRecord[] Records);

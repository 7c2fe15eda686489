using RaftTimers.Core.Model;

namespace RaftTimers.Core.Log;

/// <summary>
/// One decision about timers, as it is written to the Raft log. Several commands may share one
/// log entry (group commit); all of them carry the entry's leader-stamped time.
/// A failed replicate call may still have committed (docs/dotnext.md), so every command the node
/// proposes again by itself is idempotent: create (by id and spec), cancel, fire (by id and version),
/// delivery result (by id, version and attempt) and purge. Update is the exception by design: it means
/// "replace, counted from now", so a client that retries a PUT after an unknown outcome gets one more
/// version and a later due time, never a lost or doubled timer; the node never retries it on its own.
/// </summary>
public abstract record TimerCommand(string TimerId);

/// <summary>Create a timer due at <c>stamp + TimeoutMs</c>. A second create with the same id and spec is a no-op.</summary>
public sealed record CreateTimer(string TimerId, TimerSpec Spec) : TimerCommand(TimerId)
{
    /// <summary>The trace of the request that wrote it, kept for its delivery attempts; not part of what is created.</summary>
    public TraceContext? Trace { get; init; }
}

/// <summary>
/// Replace a pending timer's spec; its version goes up and it is due at <c>stamp + TimeoutMs</c>. With
/// <paramref name="ExpectedVersion"/> (HTTP <c>If-Match</c>) it applies only to that version, so a retried replace
/// cannot bump the version twice: the retry finds the version its first attempt made and is refused.
/// </summary>
public sealed record UpdateTimer(string TimerId, TimerSpec Spec, long? ExpectedVersion = null) : TimerCommand(TimerId)
{
    /// <summary>The trace of the request that wrote it, kept for the new version's delivery attempts; not part of the spec.</summary>
    public TraceContext? Trace { get; init; }
}

/// <summary>Cancel a pending timer. Once applied, no fire of any version of it can apply.</summary>
public sealed record CancelTimer(string TimerId) : TimerCommand(TimerId);

/// <summary>Holds a pending timer: it does not fire until resumed. Pausing a paused timer changes nothing.</summary>
public sealed record PauseTimer(string TimerId) : TimerCommand(TimerId);

/// <summary>Lets a paused timer fire again, at its due time (at once when that passed meanwhile). Resuming a pending timer changes nothing.</summary>
public sealed record ResumeTimer(string TimerId) : TimerCommand(TimerId);

/// <summary>
/// Delivers a failed timer's firing again (re-drive): it is firing once more, with fresh attempts and the same
/// idempotency key, since it is the same firing the receiver never acknowledged. Applies only to a failed timer.
/// </summary>
public sealed record RedriveTimer(string TimerId) : TimerCommand(TimerId);

/// <summary>
/// The leader's decision that a timer is due: applies only when the timer is pending at exactly
/// <see cref="Version"/> and due at or before the entry's stamp (docs/design.md invariant 3).
/// </summary>
public sealed record FireTimer(string TimerId, long Version) : TimerCommand(TimerId);

/// <summary>The outcome of one delivery attempt.</summary>
/// <remarks>The numeric values are part of the log format; never renumber them.</remarks>
public enum DeliveryOutcome : byte
{
    /// <summary>The receiver answered 2xx: the timer ends delivered.</summary>
    Delivered = 1,

    /// <summary>The attempt failed and another one follows after a backoff.</summary>
    Retry = 2,

    /// <summary>The last allowed attempt failed: the timer ends failed.</summary>
    Failed = 3,
}

/// <summary>
/// The result of delivery attempt <see cref="Attempt"/> of a firing timer at <see cref="Version"/>.
/// Applies only while the timer is firing at that version; a <see cref="DeliveryOutcome.Retry"/> also needs
/// an attempt newer than the last recorded one. <see cref="DeliveryOutcome.Delivered"/> and
/// <see cref="DeliveryOutcome.Failed"/> end the firing whatever the attempt number, since an older
/// leader's success is still a success. A repeating timer's result also names its <see cref="Occurrence"/>, and applies
/// only to that firing: a result proposed again for an earlier firing must not end a later one of the same version.
/// </summary>
public sealed record RecordDelivery(string TimerId, long Version, int Attempt, DeliveryOutcome Outcome, string? Error)
    : TimerCommand(TimerId)
{
    /// <summary>The repeating timer's firing this result is of (<see cref="Apply.TimerRecord.Occurrence"/>); 0 for a timer that fires once.</summary>
    public int Occurrence { get; init; }

    /// <summary>
    /// The re-drive this result is of (<see cref="Apply.TimerRecord.Redrives"/>): a result of an earlier run, proposed
    /// again after the timer was re-driven, must not end the new run. 0 before any re-drive.
    /// </summary>
    public int Run { get; init; }

    /// <summary>
    /// Whether this is the result of an attempt of the failed timer's dead-letter notice rather than of its firing: it
    /// applies only while that run's notice is pending, so a firing's result proposed again cannot touch the notice.
    /// </summary>
    public bool DeadLetter { get; init; }
}

/// <summary>
/// Removes finished timers whose end is at least <see cref="RetentionMs"/> older than the entry's stamp and, with
/// <see cref="Bounds"/>, also the oldest finished timers while more than its limits are kept, at most
/// <see cref="FinishedBounds.MaxPerEntry"/> in one entry. The rule runs inside apply with the logged stamp and limits,
/// so every node purges the same timers (invariant 7). With <see cref="FailedRetentionMs"/>, failed timers are kept
/// that long instead (only the bounds remove them sooner), so that they can be looked at and re-driven.
/// </summary>
public sealed record PurgeFinished(long RetentionMs, FinishedBounds? Bounds = null) : TimerCommand(string.Empty)
{
    /// <summary>How long failed timers stay; null: as long as the others (<see cref="RetentionMs"/>). Only with bounds.</summary>
    public long? FailedRetentionMs { get; init; }
}

/// <summary>
/// How many finished timers, and how many of their bytes (<see cref="Apply.TimerStateMachine.RetainedBytes"/>),
/// may be kept however young they are; and how many one purge entry may remove, so that applying it stays short.
/// </summary>
public sealed record FinishedBounds(long MaxTimers, long MaxBytes, int MaxPerEntry);

using RaftTimers.Core.Model;

namespace RaftTimers.Core.Apply;

/// <summary>
/// One timer as the state machine holds it. Immutable: apply replaces the record on every change,
/// so a reader that got a record under the state lock can use it after releasing the lock.
/// </summary>
/// <param name="Version">Starts at 1 and goes up by one on every update (docs/design.md invariant 3).</param>
/// <param name="DueAtUnixMs">The entry stamp of the create or last update plus the timeout.</param>
/// <param name="Attempts">Delivery attempts recorded through the log so far.</param>
/// <param name="FinishedAtUnixMs">The stamp at which the timer reached a finished status; 0 while not finished.</param>
public sealed record TimerRecord(
    string Id,
    long Version,
    TimerStatus Status,
    long CreatedAtUnixMs,
    long DueAtUnixMs,
    TimerSpec Spec,
    int Attempts,
    string? LastError,
    long FinishedAtUnixMs)
{
    /// <summary>
    /// The log index of the entry whose fire decision applied to this version; 0 before it fires.
    /// Equal on every node, which makes "one fire decision per version" observable from outside.
    /// </summary>
    public long FiredAtIndex { get; init; }

    /// <summary>
    /// How many fire decisions applied to this timer's current version (of a repeating timer: to its current occurrence):
    /// 0 or 1 when invariant 3 holds.
    /// </summary>
    public int FireCount { get; init; }

    /// <summary>Of a repeating timer: the number of its current (or next) firing within its version, from 1; 0 for a timer that fires once.</summary>
    public int Occurrence { get; init; }

    /// <summary>How many times this firing was re-driven (<c>POST /timer/{id}/retry</c>); each re-drive is a run of its own.</summary>
    public int Redrives { get; init; }

    /// <summary>Of a timer that ended failed with a dead-letter target: where its notice stands; <see cref="DeadLetterState.None"/> otherwise.</summary>
    public DeadLetterState DeadLetter { get; init; }

    /// <summary>Attempts of the dead-letter notice recorded through the log so far.</summary>
    public int DeadLetterAttempts { get; init; }

    /// <summary>Why the last attempt of the dead-letter notice failed; null when none failed.</summary>
    public string? DeadLetterError { get; init; }

    /// <summary>
    /// The trace of the request that wrote this version, when it was traced (<see cref="TraceContext"/>): each delivery
    /// attempt's span is its child. It decides nothing.
    /// </summary>
    public TraceContext? Trace { get; init; }

    /// <summary>
    /// Set only on the copy of a failed timer that carries its dead-letter notice to a transport (never on a record the
    /// state holds): its <see cref="IdempotencyKey"/> is then the notice's.
    /// </summary>
    public bool IsDeadLetterNotice { get; init; }

    /// <summary>
    /// The key a receiver deduplicates on, <c>{id}:{version}:{firedAtIndex}</c>: the same for every attempt and
    /// re-delivery of one firing, and different for every other firing, of another version or of a timer created again
    /// under the same id after the first was purged (its fire is a later log entry). A repeating timer's is
    /// <c>{id}:{version}:{occurrence}</c>, so each of its firings has its own key that a receiver can predict.
    /// </summary>
    public string IdempotencyKey => IsDeadLetterNotice ? $"{FiringKey}:dead-letter:{Redrives}" : FiringKey;

    /// <summary>
    /// The key of the firing itself, whichever copy this is: a dead-letter notice names the firing that failed by it, and
    /// its own key is this with <c>:dead-letter:{redrives}</c> added, so that each failed run's notice has its own.
    /// </summary>
    public string FiringKey => Occurrence > 0 ? $"{Id}:{Version}:{Occurrence}" : $"{Id}:{Version}:{FiredAtIndex}";
}

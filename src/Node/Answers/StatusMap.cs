using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Node.Metrics;

namespace RaftTimers.Node.Answers;

/// <summary>
/// The one place where what happened to a write becomes an HTTP status, and where a status becomes the outcome the
/// metrics count (docs/api.md, errors). Endpoints ask it for the status and write their own reasons and bodies.
/// </summary>
public static class StatusMap
{
    /// <summary>The status that answers a timer write whose command ended with <paramref name="outcome"/>.</summary>
    public static int Of(TimerWrite op, CommandOutcome outcome) => (op, outcome) switch
    {
        (TimerWrite.Create, CommandOutcome.Applied or CommandOutcome.AlreadyApplied) => StatusCodes.Status201Created,
        (TimerWrite.Update, CommandOutcome.Applied) => StatusCodes.Status200OK,
        (TimerWrite.Cancel, CommandOutcome.Applied or CommandOutcome.AlreadyApplied) => StatusCodes.Status202Accepted,
        (TimerWrite.Pause or TimerWrite.Resume, CommandOutcome.Applied or CommandOutcome.AlreadyApplied) => StatusCodes.Status200OK,
        (TimerWrite.Retry, CommandOutcome.Applied) => StatusCodes.Status200OK,
        (TimerWrite.Create, CommandOutcome.Conflict) => StatusCodes.Status409Conflict,
        (TimerWrite.Update, CommandOutcome.Conflict) => StatusCodes.Status412PreconditionFailed, // If-Match named another version
        (TimerWrite.Update or TimerWrite.Cancel or TimerWrite.Pause or TimerWrite.Resume or TimerWrite.Retry, CommandOutcome.NotFound) => StatusCodes.Status404NotFound,
        (_, var unknown) when TimerService.LeavesWriteUnknown(unknown) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status409Conflict, // not applied for a reason the API has no other status for
    };

    /// <summary>
    /// The status of a write that did not run to a result (<see cref="WriteEnd.Ran"/> is answered by the outcome instead):
    /// a refusal's own status, and 503 when no leader took it or its fate is unknown.
    /// </summary>
    public static int Of(in WriteResult write) => write.End switch
    {
        WriteEnd.Refused => (int)write.Refusal,
        WriteEnd.Unavailable or WriteEnd.Unknown => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.End, "a write that ran is answered by its outcome"),
    };

    /// <summary>The outcome the metrics count for a write decided here that ended with <paramref name="outcome"/>.</summary>
    public static WriteOutcome CountedAs(CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.Applied => WriteOutcome.Applied,
        CommandOutcome.AlreadyApplied => WriteOutcome.Idempotent,
        CommandOutcome.Conflict => WriteOutcome.Conflict,
        CommandOutcome.NotFound => WriteOutcome.NotFound,
        _ => WriteOutcome.Unavailable,
    };

    /// <summary>The outcome the metrics count for a write refused with <paramref name="status"/>.</summary>
    public static WriteOutcome CountedAs(int status) => status switch
    {
        StatusCodes.Status404NotFound => WriteOutcome.NotFound,
        StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed => WriteOutcome.Conflict,
        StatusCodes.Status507InsufficientStorage or StatusCodes.Status429TooManyRequests => WriteOutcome.OverLimit,
        StatusCodes.Status503ServiceUnavailable => WriteOutcome.Unavailable,
        _ => WriteOutcome.Invalid, // 400 and 413: refused before anything was proposed
    };

    /// <summary>
    /// The status of a membership change that ended with <paramref name="outcome"/>; null when it succeeded.
    /// <paramref name="failureStatus"/> is the caller's for a change that failed on its own terms (502 for a new node
    /// that never caught up, 409 for a removal that did not commit).
    /// </summary>
    public static int? Of(MembershipOutcome outcome, int failureStatus) => outcome switch
    {
        MembershipOutcome.Done or MembershipOutcome.Unchanged => null,
        MembershipOutcome.Concurrent => StatusCodes.Status409Conflict,
        MembershipOutcome.NotLeader => StatusCodes.Status503ServiceUnavailable,
        _ => failureStatus,
    };
}

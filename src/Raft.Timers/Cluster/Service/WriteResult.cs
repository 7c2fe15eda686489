using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Service;

/// <summary>How a write ended, as the node that took it saw it.</summary>
public enum WriteEnd
{
    /// <summary>The command ran on the leader: <see cref="WriteResult.Result"/> says how (applied, conflict, not found...).</summary>
    Ran,

    /// <summary>Refused before anything was proposed (<see cref="WriteResult.Refusal"/> says why): nothing was written.</summary>
    Refused,

    /// <summary>No leader within the deadline, or this node serves no timers: nothing was written.</summary>
    Unavailable,

    /// <summary>The write left for the log but no answer came in time: it may or may not have happened.</summary>
    Unknown,
}

/// <summary>
/// Why a write was refused before it was proposed. The numbers are the HTTP statuses the client gets, and they travel
/// as such in the forwarding channel's answers (<c>ForwardedAnswer.RefusedStatus</c>), so they never change.
/// </summary>
public enum Refusal
{
    None = 0,

    /// <summary>Not a write a client may send (only creates, replaces and cancels are forwarded).</summary>
    Invalid = 400,

    /// <summary>At a write limit, or the leader's proposal queue is full: retry shortly.</summary>
    Busy = 429,

    /// <summary>At the pending-timer limits, or the leader's disk is low.</summary>
    Full = 507,

    /// <summary>A write that not every member can read yet (<see cref="Core.Log.LogLevels"/>): a rolling upgrade is not finished.</summary>
    NotYetReadable = 501,
}

/// <summary>The end of one client write: the command's result when it ran, otherwise why not and whether it may have happened.</summary>
/// <param name="Forwarded">The write was decided on another node (the leader), which counts it.</param>
public readonly record struct WriteResult(WriteEnd End, CommandResult Result, bool Forwarded, Refusal Refusal = Refusal.None, string? Reason = null)
{
    public static WriteResult Ran(CommandResult result, bool forwarded) => new(WriteEnd.Ran, result, forwarded);

    public static WriteResult Refused(Refusal refusal, string reason, bool forwarded) => new(WriteEnd.Refused, default, forwarded, refusal, reason);

    public static WriteResult Unavailable(string reason) => new(WriteEnd.Unavailable, default, false, Reason: reason);

    public static WriteResult Unknown(string reason, bool forwarded) => new(WriteEnd.Unknown, default, forwarded, Reason: reason);
}

/// <summary>A read's end: the value read after the read barrier, or why the latest state could not be confirmed.</summary>
public readonly record struct ReadResult<T>(T? Value, string? Unavailable)
{
    public bool Ok => Unavailable is null;
}

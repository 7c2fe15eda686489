using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Forwarding;

/// <summary>
/// The leader's answer to one forwarded write: either the command ran (<see cref="Result"/>, whose outcome may still be
/// <see cref="CommandOutcome.NotLeader"/> or <see cref="CommandOutcome.Indeterminate"/>), or the leader refused it before
/// proposing anything, with the HTTP status and reason the client is to get (<see cref="RefusedStatus"/>, e.g. 429 at its
/// write limit, 507 at the pending-timer limit).
/// </summary>
public readonly record struct ForwardedAnswer(CommandResult Result, int RefusedStatus = 0)
{
    public bool Refused => RefusedStatus != 0;

    public static ForwardedAnswer Ran(CommandResult result) => new(result);

    public static ForwardedAnswer Refuse(int status, string reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        return new ForwardedAnswer(new CommandResult(CommandOutcome.Rejected, Reason: reason), status);
    }
}

/// <summary>
/// A forwarded write that got no answer from the leader. <see cref="MayHaveRun"/> says whether the command left this node:
/// when false the leader never saw it and sending it again is safe; when true it may or may not have been committed.
/// </summary>
public sealed class ForwardingException(string message, bool mayHaveRun, Exception? inner = null) : Exception(message, inner)
{
    public bool MayHaveRun { get; } = mayHaveRun;
}

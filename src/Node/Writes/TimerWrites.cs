using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Configuration;
using RaftTimers.Node.Http;
using RaftTimers.Node.Metrics;
using RaftTimers.Node.Storage;

namespace RaftTimers.Node.Writes;

/// <summary>
/// Where a client's timer write runs: on this node when it leads, otherwise on the leader, sent there over the
/// forwarding channel (<see cref="ForwardingClient"/>: one connection, many writes per frame; no HTTP request per write).
/// One hop only: a node that receives a forwarded write but does not lead answers "not leader" instead of forwarding it
/// again, and the follower looks for the leader anew within the request deadline.
/// </summary>
/// <remarks>
/// Refusals are <see cref="ApiException"/>s; one the leader decided carries <see cref="ApiException.Forwarded"/>, so the
/// node that decided a write is the only one that counts it (<see cref="TimerMetrics.Write"/>). A 503 means exactly
/// what it meant when every hop was HTTP: either nothing reached a leader in time, or the write left this node and no
/// answer came, so it may or may not have happened.
/// </remarks>
public sealed class TimerWrites(TimerNode node, LeaderForwarder leaders, ForwardingClient forwarding, InFlightLimit limit, TimerMetrics metrics,
    NodeSettings settings, TimeProvider clock, DiskSpaceGuard? disk = null) : IForwardedWriteHandler, IProposalCallback
{
    /// <summary>How long a write waits before it looks for the leader again after the one it reached no longer led.</summary>
    private static readonly TimeSpan LeaderMovedPause = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Runs a client's write where the leader is, within the request deadline. Returns the command's result when it ran
    /// (applied, or a definite refusal such as not found or conflict); throws <see cref="ApiException"/> otherwise.
    /// </summary>
    public async Task<WriteDone> WriteAsync(TimerCommand command, CancellationToken aborted)
    {
        if (node.Membership.NotServingReason is { } why)
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, $"{why}; it serves no timers, use a member");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(settings.RequestTimeoutMs);
        try
        {
            while (true)
            {
                var leader = await leaders.FindLeaderAsync(deadline.Token).ConfigureAwait(false);
                if (leader is null)
                {
                    var here = await RunHereAsync(command, deadline.Token).ConfigureAwait(false);
                    if (here.Result.Outcome == CommandOutcome.NotLeader)
                    {
                        await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
                        continue; // leadership moved before the proposal: nothing was appended, find the leader again
                    }

                    return new WriteDone(Accept(here, command, forwarded: false), Forwarded: false);
                }

                ForwardedAnswer answer;
                try
                {
                    answer = await forwarding.SendAsync(leader, command, deadline.Token).ConfigureAwait(false);
                }
                catch (ForwardingException e) when (!e.MayHaveRun)
                {
                    // Nothing left this node (the leader could not be reached, or the connection broke before sending):
                    // sending it again, to whichever node leads by then, is safe.
                    await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
                    continue;
                }
                catch (ForwardingException e)
                {
                    // Sent to the leader, so the leader's to count if it decided it (README, "Metrics"): not counted here.
                    throw new ApiException(StatusCodes.Status503ServiceUnavailable,
                        $"the leader at {leader} did not answer ({e.Message}); {RetryAdvice(command)}") { Forwarded = true };
                }

                if (answer.Result.Outcome == CommandOutcome.NotLeader && !answer.Refused)
                {
                    await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
                    continue; // the node reached no longer leads and appended nothing
                }

                return new WriteDone(Accept(answer, command, forwarded: true), Forwarded: true);
            }
        }
        catch (ForwardingCanceledException e) when (!aborted.IsCancellationRequested)
        {
            throw e.MayHaveRun
                ? new ApiException(StatusCodes.Status503ServiceUnavailable, $"the leader did not answer within {settings.RequestTimeoutMs} ms; {RetryAdvice(command)}")
                {
                    Forwarded = true,
                }
                : LeaderForwarder.NoLeader();
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            throw LeaderForwarder.NoLeader();
        }
    }

    /// <summary>
    /// Starts a write a follower forwarded here (<see cref="Forwarding.ForwardingEndpoint"/>): only the client's writes,
    /// only while this node leads, within its own write limit (a follower's and the leader's limits both apply), counted
    /// here, where it is decided. The write is proposed without waiting (<see cref="CommandProposer.Propose"/>), so the
    /// writes of one entry are answered together; it has no deadline of its own beyond the proposer's commit timeout,
    /// since the follower keeps the client's. A full proposal queue is a 429: nothing was appended, and the client may
    /// send it again.
    /// </summary>
    public void Start(long id, TimerCommand command, ForwardingSession session)
    {
        if (OpOf(command) is not { } op)
        {
            session.Answer(id, ForwardedAnswer.Refuse(StatusCodes.Status400BadRequest, $"{command.GetType().Name} cannot be forwarded; only creates, updates and cancels"));
            return;
        }

        if (!node.IsLeader)
        {
            session.Answer(id, ForwardedAnswer.Ran(new CommandResult(CommandOutcome.NotLeader, Reason: "this node is not the leader")));
            return;
        }

        if (!limit.TryEnter())
        {
            metrics.Write(op, WriteOutcome.OverLimit);
            session.Answer(id, ForwardedAnswer.Refuse(StatusCodes.Status429TooManyRequests, OverLimitReason(limit)));
            return;
        }

        ForwardedAnswer? now;
        try
        {
            now = OverPendingLimit(command) ?? node.Proposer.Propose(command, this, id, session) switch
            {
                null => null, // queued: the proposer's callback answers it
                { Outcome: CommandOutcome.Rejected } full => ForwardedAnswer.Refuse(StatusCodes.Status429TooManyRequests, full.Reason ?? "the leader is busy; retry shortly"),
                { } other => ForwardedAnswer.Ran(other),
            };
        }
        catch
        {
            limit.Exit(); // never proposed, so no callback will give the slot back
            throw;
        }

        if (now is { } answer)
        {
            Completed(op, answer);
            session.Answer(id, answer);
        }
    }

    /// <summary>The proposer's callback for a forwarded write: it ends here, on the thread that completed its entry.</summary>
    void IProposalCallback.Completed(long id, TimerCommand command, in CommandResult result, object? state)
    {
        var answer = ForwardedAnswer.Ran(result);
        Completed(OpOf(command)!.Value, answer);
        ((ForwardingSession)state!).Answer(id, answer);
    }

    private void Completed(TimerWrite op, in ForwardedAnswer answer)
    {
        limit.Exit();
        metrics.Write(op, OutcomeOf(answer));
    }

    /// <summary>The reason of a 429 at the write limit, the same whether the client's node or the leader refused.</summary>
    public static string OverLimitReason(InFlightLimit limit)
        => $"this node is handling its limit of {limit.Max} timer writes at once; retry shortly";

    /// <summary>
    /// The 507 of a create or replace while the leader's disk is low (<see cref="DiskSpaceGuard"/>), and of a create at the
    /// pending-timer limit, checked on the leader, where the state is current. A create of an
    /// id the state already holds adds no pending timer (it is an idempotent retry or a conflict), so only a new id is
    /// refused. Below the limit (every create but a few) this takes no lock.
    /// </summary>
    private ForwardedAnswer? OverPendingLimit(TimerCommand command)
    {
        // A leader short of disk space takes nothing that grows the log much; cancels, which shrink the state, still pass.
        if (command is CreateTimer or UpdateTimer && disk is { IsLow: true })
            return ForwardedAnswer.Refuse(StatusCodes.Status507InsufficientStorage, disk.LowReason);

        if (command is CreateTimer && node.Store.PendingCount >= settings.MaxPendingTimers
            && node.Store.Read(s => s.PendingCount >= settings.MaxPendingTimers && s.Find(command.TimerId) is null))
            return ForwardedAnswer.Refuse(StatusCodes.Status507InsufficientStorage, $"the cluster holds its limit of {settings.MaxPendingTimers} pending timers");

        // The same for the bytes pending timers hold: a create or replace that would add to them past the limit. A replace
        // that makes a timer smaller, or a retried create of an id already held, adds nothing and passes.
        if (command is CreateTimer or UpdateTimer && node.Store.PendingBytes + Grows(command) > settings.MaxPendingBytes
            && node.Store.Read(s => s.PendingBytes + Grows(command, s.Find(command.TimerId)) > settings.MaxPendingBytes))
            return ForwardedAnswer.Refuse(StatusCodes.Status507InsufficientStorage, $"the cluster holds its limit of {settings.MaxPendingBytes} bytes of pending timers (RaftTimers:MaxPendingBytes)");
        return null;
    }

    /// <summary>How many bytes a create or replace adds to the pending timers, given what the state holds under its id.</summary>
    private static long Grows(TimerCommand command, TimerRecord? existing = null)
    {
        var spec = command switch
        {
            CreateTimer c => c.Spec,
            UpdateTimer u => u.Spec,
            _ => null,
        };
        if (spec is null || (command is CreateTimer && existing is not null))
            return 0;
        var bytes = command.TimerId.Length + spec.Callback.UriUtf8.Length + spec.Data.Utf8.Length;
        return existing is { Status: TimerStatus.Pending } ? bytes - TimerStateMachine.RetainedBytes(existing) : bytes;
    }

    /// <summary>Proposes on this node, which should be the leader.</summary>
    private async Task<ForwardedAnswer> RunHereAsync(TimerCommand command, CancellationToken deadline)
    {
        if (OverPendingLimit(command) is { } refused)
            return refused;

        try
        {
            return ForwardedAnswer.Ran(await node.Proposer.ProposeAsync(command, deadline).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return ForwardedAnswer.Ran(new CommandResult(CommandOutcome.Indeterminate,
                Reason: $"the write was not confirmed in time; it may or may not have happened, {RetryAdvice(command)}"));
        }
    }

    /// <summary>The result of a command that ran, or the refusal it amounts to.</summary>
    private static CommandResult Accept(in ForwardedAnswer answer, TimerCommand command, bool forwarded)
    {
        if (answer.Refused)
            throw new ApiException(answer.RefusedStatus, answer.Result.Reason ?? "refused by the leader") { Forwarded = forwarded };
        return StatusMap.LeavesWriteUnknown(answer.Result.Outcome)
            ? throw new ApiException(StatusCodes.Status503ServiceUnavailable, answer.Result.Reason ?? $"the write could not be confirmed; {RetryAdvice(command)}") { Forwarded = forwarded }
            : answer.Result;
    }

    private static string RetryAdvice(TimerCommand command) => command is CreateTimer
        ? $"the write may or may not have happened, retry with the same x-timer-id ({command.TimerId})"
        : "the write may or may not have happened; check the timer before retrying";

    private static TimerWrite? OpOf(TimerCommand command) => command switch
    {
        CreateTimer => TimerWrite.Create,
        UpdateTimer => TimerWrite.Update,
        CancelTimer => TimerWrite.Cancel,
        _ => null,
    };

    /// <summary>How the leader counts a forwarded write it decided (TimerEndpoints counts its own clients' writes the same way).</summary>
    private static WriteOutcome OutcomeOf(in ForwardedAnswer answer) => answer.Refused
        ? StatusMap.CountedAs(answer.RefusedStatus)
        : answer.Result.Outcome switch
        {
            CommandOutcome.Applied => WriteOutcome.Applied,
            CommandOutcome.AlreadyApplied => WriteOutcome.Idempotent,
            CommandOutcome.Conflict => WriteOutcome.Conflict,
            CommandOutcome.NotFound => WriteOutcome.NotFound,
            CommandOutcome.NotLeader => WriteOutcome.Forwarded, // not decided here: the follower tries the new leader
            _ => WriteOutcome.Unavailable,
        };
}

/// <summary>A write that ran on the leader; <see cref="Forwarded"/> when that was another node, which counted it.</summary>
public readonly record struct WriteDone(CommandResult Result, bool Forwarded);

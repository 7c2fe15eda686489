using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Propose;
using RaftTimers.Cluster.Service;
using RaftTimers.Core.Log;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Http;
using RaftTimers.Node.Metrics;

namespace RaftTimers.Node.Forwarding;

/// <summary>
/// The leader's end of writes that followers forwarded (<see cref="ForwardingEndpoint"/>): only the client's writes, only
/// while this node leads, within its own write limit (a follower's and the leader's limits both apply), admitted by
/// the same checks as its own clients' writes (<see cref="TimerService.Admit"/>), and counted here, where they are
/// decided. Each write is proposed without waiting (<see cref="CommandProposer.Propose"/>), so the writes of one entry
/// are answered together; it has no deadline of its own beyond the proposer's commit timeout, since the follower keeps
/// the client's. A full proposal queue is a 429: nothing was appended, and the client may send it again.
/// </summary>
public sealed class ForwardedWrites(TimerNode node, TimerService service, InFlightLimit limit, TimerMetrics metrics) : IForwardedWriteHandler, IProposalCallback
{
    public void Start(long id, TimerCommand command, ForwardingSession session)
    {
        if (OpOf(command) is not { } op)
        {
            session.Answer(id, Refuse(Refusal.Invalid, $"{command.GetType().Name} cannot be forwarded; only creates, updates, cancels, pauses, resumes and re-drives"));
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
            session.Answer(id, Refuse(Refusal.Busy, limit.OverLimitReason));
            return;
        }

        ForwardedAnswer? now;
        try
        {
            now = service.Admit(command) is (not Refusal.None and var refusal, var reason)
                ? Refuse(refusal, reason!)
                : node.Proposer.Propose(command, this, id, session) switch
                {
                    null => null, // queued: the proposer's callback answers it
                    { Outcome: CommandOutcome.Rejected } full => Refuse(Refusal.Busy, full.Reason ?? "the leader is busy; retry shortly"),
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

    private static ForwardedAnswer Refuse(Refusal refusal, string reason) => ForwardedAnswer.Refuse((int)refusal, reason);

    private static TimerWrite? OpOf(TimerCommand command) => command switch
    {
        CreateTimer => TimerWrite.Create,
        UpdateTimer => TimerWrite.Update,
        CancelTimer => TimerWrite.Cancel,
        PauseTimer => TimerWrite.Pause,
        ResumeTimer => TimerWrite.Resume,
        RedriveTimer => TimerWrite.Retry,
        _ => null,
    };

    /// <summary>How the leader counts a forwarded write it decided (the timer endpoints count their own clients' writes the same way).</summary>
    private static WriteOutcome OutcomeOf(in ForwardedAnswer answer) => answer.Refused
        ? StatusMap.CountedAs(answer.RefusedStatus)
        : answer.Result.Outcome == CommandOutcome.NotLeader
            ? WriteOutcome.Forwarded // not decided here: the follower tries the new leader
            : StatusMap.CountedAs(answer.Result.Outcome);
}

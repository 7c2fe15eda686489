using DotNext.Net.Cluster;
using RaftTimers.Cluster.Forwarding;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Storage;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Service;

/// <summary>
/// The timer operations of a node, as values: create, replace and cancel run where the leader is, within the request
/// deadline; get and list read the state after a read barrier. A write runs here when this node leads, otherwise on the
/// leader, sent over the forwarding channel (<see cref="ForwardingClient"/>: one connection, many writes per frame).
/// This is the one place that knows where a timer's writes go, so it is where more than one Raft group would be chosen.
/// </summary>
/// <remarks>
/// One hop only: a node that receives a forwarded write but does not lead answers "not leader" instead of forwarding it
/// again, and this node looks for the leader anew within the deadline. <see cref="WriteEnd.Unknown"/> means exactly
/// what it says: the write left this node (or was proposed here) and no answer came, so it may or may not have happened.
/// </remarks>
public sealed class TimerService(TimerNode node, ForwardingClient forwarding, ServiceOptions options, TimeProvider clock, DiskSpaceGuard? disk = null)
{
    /// <summary>How long a write waits before it looks for the leader again after the one it reached no longer led.</summary>
    private static readonly TimeSpan LeaderMovedPause = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long a read keeps asking again when the leader could not confirm its leadership with a majority: about an
    /// election's worth, so that a pause of a member (a GC, a starved CPU) or a leader change is waited out, while a node
    /// cut off from the majority still answers 503 soon and the client tries another.
    /// </summary>
    private static readonly TimeSpan BarrierRetryWindow = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan BarrierRetryPause = TimeSpan.FromMilliseconds(50);

    /// <summary>The reason given when no leader is known within the deadline.</summary>
    public const string NoLeaderReason = "no leader is reachable right now; retry shortly";

    public ServiceOptions Options => options;

    public Task<WriteResult> CreateAsync(string id, TimerSpec spec, CancellationToken aborted) => WriteAsync(new CreateTimer(id, spec), aborted);

    public Task<WriteResult> ReplaceAsync(string id, TimerSpec spec, long? expectedVersion, CancellationToken aborted)
        => WriteAsync(new UpdateTimer(id, spec, expectedVersion), aborted);

    public Task<WriteResult> CancelAsync(string id, CancellationToken aborted) => WriteAsync(new CancelTimer(id), aborted);

    public Task<WriteResult> PauseAsync(string id, CancellationToken aborted) => WriteAsync(new PauseTimer(id), aborted);

    public Task<WriteResult> ResumeAsync(string id, CancellationToken aborted) => WriteAsync(new ResumeTimer(id), aborted);

    public Task<WriteResult> RedriveAsync(string id, CancellationToken aborted) => WriteAsync(new RedriveTimer(id), aborted);

    /// <summary>Runs a client's write where the leader is, within the request deadline, in a span of its own (<see cref="WriteTracing"/>).</summary>
    public async Task<WriteResult> WriteAsync(TimerCommand command, CancellationToken aborted)
    {
        using var activity = WriteTracing.Start(command);
        var result = await WriteUntracedAsync(command, activity, aborted).ConfigureAwait(false);
        WriteTracing.Ended(activity, result);
        return result;
    }

    private async Task<WriteResult> WriteUntracedAsync(TimerCommand command, System.Diagnostics.Activity? activity, CancellationToken aborted)
    {
        if (NotServing() is { } why)
            return WriteResult.Unavailable(why);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(options.RequestTimeoutMs);
        try
        {
            command = WithTrace(command, activity, node.Membership);
            if (await NotYetReadableAsync(command, deadline.Token).ConfigureAwait(false) is { } unreadable)
                return unreadable;

            while (true)
            {
                var leader = await FindLeaderAsync(deadline.Token).ConfigureAwait(false);
                if (leader.At == LeaderAt.Unknown)
                    return WriteResult.Unavailable(NoLeaderReason);
                if (leader.At == LeaderAt.Here)
                {
                    var here = await RunHereAsync(command, deadline.Token).ConfigureAwait(false);
                    if (here.End == WriteEnd.Ran && here.Result.Outcome == CommandOutcome.NotLeader)
                    {
                        await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
                        continue; // leadership moved before the proposal: nothing was appended, find the leader again
                    }

                    return here;
                }

                ForwardedAnswer answer;
                try
                {
                    answer = await forwarding.SendAsync(leader.ApiUrl!, command, deadline.Token).ConfigureAwait(false);
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
                    return WriteResult.Unknown($"the leader at {leader.ApiUrl} did not answer ({e.Message}); {RetryAdvice(command)}", forwarded: true);
                }

                if (answer.Result.Outcome == CommandOutcome.NotLeader && !answer.Refused)
                {
                    await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
                    continue; // the node reached no longer leads and appended nothing
                }

                return Accept(answer, command);
            }
        }
        catch (ForwardingCanceledException e) when (!aborted.IsCancellationRequested)
        {
            return e.MayHaveRun
                ? WriteResult.Unknown($"the leader did not answer within {options.RequestTimeoutMs} ms; {RetryAdvice(command)}", forwarded: true)
                : WriteResult.Unavailable(NoLeaderReason);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return WriteResult.Unavailable(NoLeaderReason);
        }
    }

    /// <summary>
    /// Runs a batch of client writes as one log entry (<see cref="Propose.CommandProposer.ProposeGroupAsync"/>) when
    /// this node leads, within the request deadline. Each command is first checked as a single write would be (the log
    /// level every member reads, then <see cref="Admit"/>); those refused get their refusal and are left out of the
    /// entry. When another node leads, the run names it instead and nothing was written here: a batch travels to the
    /// leader whole, as the HTTP request it came in, not over the forwarding channel, so that it stays one entry.
    /// </summary>
    public async Task<BatchRun> WriteBatchAsync(IReadOnlyList<TimerCommand> commands, CancellationToken aborted)
    {
        if (NotServing() is { } why)
            return new BatchRun([.. commands.Select(_ => WriteResult.Unavailable(why))], LeaderRoute.Here);

        using var activity = WriteTracing.StartBatch(commands.Count);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(options.RequestTimeoutMs);
        try
        {
            while (true)
            {
                var leader = await FindLeaderAsync(deadline.Token).ConfigureAwait(false);
                if (leader.At != LeaderAt.Here)
                    return new BatchRun(null, leader);
                if (await RunBatchHereAsync(commands, activity, deadline.Token, aborted).ConfigureAwait(false) is { } results)
                    return new BatchRun(results, leader);
                // Leadership moved before the entry was appended: nothing was written, find the leader again.
                await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return new BatchRun(null, LeaderRoute.Unknown);
        }
    }

    /// <summary>The batch's results as this node ran it; null when it did not lead when it proposed, and wrote nothing.</summary>
    private async Task<WriteResult[]?> RunBatchHereAsync(IReadOnlyList<TimerCommand> commands, System.Diagnostics.Activity? activity,
        CancellationToken deadline, CancellationToken aborted)
    {
        var results = new WriteResult[commands.Count];
        var admitted = new List<TimerCommand>(commands.Count);
        var positions = new List<int>(commands.Count);
        try
        {
            for (var i = 0; i < commands.Count; i++)
            {
                var command = WithTrace(commands[i], activity, node.Membership);
                if (await NotYetReadableAsync(command, deadline).ConfigureAwait(false) is { } unreadable)
                {
                    results[i] = unreadable;
                }
                else if (Admit(command) is ({ } refusal and not Refusal.None, var reason))
                {
                    results[i] = WriteResult.Refused(refusal, reason!, forwarded: false);
                }
                else
                {
                    admitted.Add(command);
                    positions.Add(i);
                }
            }

            if (admitted.Count == 0)
                return results;
            var ran = await node.Proposer.ProposeGroupAsync(admitted, deadline).ConfigureAwait(false);
            if (ran.All(r => r.Outcome == CommandOutcome.NotLeader))
                return null;
            for (var j = 0; j < ran.Length; j++)
                results[positions[j]] = Ran(ran[j], admitted[j], forwarded: false);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            // Proposed, or about to be: the batch may or may not have been written.
            foreach (var i in positions)
                results[i] = WriteResult.Unknown($"the batch was not confirmed in time; {RetryAdvice(commands[i])}", forwarded: false);
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i] == default)
                    results[i] = WriteResult.Unavailable(NoLeaderReason);
            }
        }

        return results;
    }

    /// <summary>
    /// A create or replace with the context of its traced span, for its delivery attempts; as it came when its span is
    /// not recorded, or while every member is not known to read trace contexts yet. That is checked without waiting: a
    /// write is never refused or slowed for its trace.
    /// </summary>
    private static TimerCommand WithTrace(TimerCommand command, System.Diagnostics.Activity? activity, ClusterMembership membership)
    {
        if (command is not (CreateTimer or UpdateTimer) || WriteTracing.ContextOf(activity) is not { } trace
            || !membership.EveryMemberReadsNow(LogLevels.TraceContexts))
            return command;
        return command switch
        {
            CreateTimer create => create with { Trace = trace },
            UpdateTimer update => update with { Trace = trace },
            _ => command,
        };
    }

    /// <summary>
    /// The refusal of a write that needs a newer log level than every member reads; null when it may be written. Checked
    /// where the write enters, before it is sent anywhere: a leader of an older build could not even decode it, and a
    /// member of one would stop at the committed entry.
    /// </summary>
    private async Task<WriteResult?> NotYetReadableAsync(TimerCommand command, CancellationToken token)
        => LogLevels.Needed(command) is > LogLevels.Base and var level
            && !await node.Membership.EveryMemberReadsAsync(level, token).ConfigureAwait(false)
                ? WriteResult.Refused(Refusal.NotYetReadable,
                    $"not every member runs a build that reads this write yet (log level {level}); finish the rolling upgrade, then retry", forwarded: false)
                : null;

    /// <summary>
    /// What the leader checks before proposing a client's write, whether it came from its own client or was forwarded:
    /// a create or replace while the leader's disk is low (<see cref="DiskSpaceGuard"/>), a create at the pending-timer
    /// limit, and a create or replace that would take the pending bytes past theirs, are <see cref="Refusal.Full"/>.
    /// A create of an id the state already holds adds no pending timer (it is an idempotent retry or a conflict), so only
    /// a new id is refused. Below the limits (every write but a few) this takes no lock.
    /// </summary>
    public (Refusal Refusal, string? Reason) Admit(TimerCommand command)
    {
        // A leader short of disk space takes nothing that grows the log much; cancels, which shrink the state, still pass.
        if (command is CreateTimer or UpdateTimer && disk is { IsLow: true })
            return (Refusal.Full, disk.LowReason);

        var store = node.Store;
        if (command is CreateTimer && store.PendingCount >= options.MaxPendingTimers
            && store.Read(s => s.PendingCount >= options.MaxPendingTimers && s.Find(command.TimerId) is null))
            return (Refusal.Full, $"the cluster holds its limit of {options.MaxPendingTimers} pending timers");

        // The same for the bytes pending timers hold. A replace that makes a timer smaller, or a retried create of an id
        // already held, adds nothing and passes.
        if (command is CreateTimer or UpdateTimer && store.PendingBytes + Grows(command) > options.MaxPendingBytes
            && store.Read(s => s.PendingBytes + Grows(command, s.Find(command.TimerId)) > options.MaxPendingBytes))
            return (Refusal.Full, $"the cluster holds its limit of {options.MaxPendingBytes} bytes of pending timers (RaftTimers:MaxPendingBytes)");
        return (Refusal.None, null);
    }

    /// <summary>The timer <paramref name="id"/> as the latest committed state holds it (null when it holds none).</summary>
    public async Task<ReadResult<TimerRecord>> GetAsync(string id, CancellationToken token)
    {
        if (await ReadBarrierAsync(token).ConfigureAwait(false) is { } unavailable)
            return new(null, unavailable);
        return new(node.Store.Read(s => s.Find(id)), null);
    }

    /// <summary>
    /// A page of timers in id order after <paramref name="after"/>, with <paramref name="status"/> when given; bounded in
    /// work and bytes (<see cref="ServiceOptions.ListScanBudget"/>, <see cref="ServiceOptions.ListMaxBytes"/>), so it may
    /// be short, or empty, with a next page.
    /// </summary>
    public async Task<ReadResult<TimerPage>> ListAsync(string? after, TimerStatus? status, int limit, CancellationToken token)
    {
        if (await ReadBarrierAsync(token).ConfigureAwait(false) is { } unavailable)
            return new(null, unavailable);
        string? next = null;
        var timers = node.Store.Read(s => s.Page(after, status, limit, out next, options.ListScanBudget, options.ListMaxBytes));
        return new(new TimerPage(timers, next), null);
    }

    /// <summary>
    /// Waits within the request deadline until this node has applied everything the leader had committed when asked
    /// (docs/design.md: reads are linearizable). Null when it has; otherwise why the latest state cannot be confirmed.
    /// </summary>
    public async Task<string?> ReadBarrierAsync(CancellationToken token)
    {
        if (NotServing() is { } why)
            return why;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(options.RequestTimeoutMs);
        var started = clock.GetTimestamp();
        while (true)
        {
            try
            {
                await node.CatchUpAsync(deadline.Token).ConfigureAwait(false);
                return null;
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                if (deadline.IsCancellationRequested || clock.GetElapsedTime(started) >= BarrierRetryWindow)
                    return $"cannot confirm the latest state with the leader ({e.GetType().Name}); retry shortly";
            }

            try
            {
                await Task.Delay(BarrierRetryPause, clock, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return "cannot confirm the latest state with the leader within the request deadline; retry shortly";
            }
        }
    }

    /// <summary>
    /// Where the leader is, waiting for one within <paramref name="token"/>'s life: here, another node's API URL, or
    /// unknown when none is known in time.
    /// </summary>
    public ValueTask<LeaderRoute> FindLeaderAsync(CancellationToken token)
    {
        // Nearly every write: this node leads, or a leader with known metadata does; no deadline or wait is needed.
        if (node.IsLeader)
            return ValueTask.FromResult(LeaderRoute.Here);
        if (node.View.TryGetRemoteLeaderApiUrl() is { } known)
            return ValueTask.FromResult(LeaderRoute.Remote(known));
        return new ValueTask<LeaderRoute>(WaitForLeaderAsync(token));
    }

    private async Task<LeaderRoute> WaitForLeaderAsync(CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(options.RequestTimeoutMs);
        try
        {
            while (true)
            {
                if (node.IsLeader)
                    return LeaderRoute.Here;
                // A new leader is named locally before its term's first entry commits; until then it is
                // not leading yet, and forwarding to itself would only bounce: wait instead.
                if (await node.View.RemoteLeaderApiUrlAsync(deadline.Token).ConfigureAwait(false) is { } url)
                    return LeaderRoute.Remote(url);

                await Task.Delay(LeaderMovedPause, clock, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return LeaderRoute.Unknown;
        }
        catch (MemberUnavailableException)
        {
            return LeaderRoute.Unknown;
        }
    }

    /// <summary>A node that is joining, or was removed, holds no state it may answer from or write through.</summary>
    private string? NotServing()
        => node.Membership.NotServingReason is { } why ? $"{why}; it serves no timers, use a member" : null;

    /// <summary>Proposes on this node, which should be the leader.</summary>
    private async Task<WriteResult> RunHereAsync(TimerCommand command, CancellationToken deadline)
    {
        if (Admit(command) is ({ } refusal and not Refusal.None, var reason))
            return WriteResult.Refused(refusal, reason!, forwarded: false);

        try
        {
            return Ran(await node.Proposer.ProposeAsync(command, deadline).ConfigureAwait(false), command, forwarded: false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return WriteResult.Unknown($"the write was not confirmed in time; it may or may not have happened, {RetryAdvice(command)}", forwarded: false);
        }
    }

    /// <summary>The leader's answer to a forwarded write: its refusal, or what the command's result amounts to.</summary>
    private static WriteResult Accept(in ForwardedAnswer answer, TimerCommand command)
        => answer.Refused
            ? WriteResult.Refused((Refusal)answer.RefusedStatus, answer.Result.Reason ?? "refused by the leader", forwarded: true)
            : Ran(answer.Result, command, forwarded: true);

    /// <summary>The result of a command that ran, or the uncertainty it amounts to.</summary>
    private static WriteResult Ran(in CommandResult result, TimerCommand command, bool forwarded)
        => LeavesWriteUnknown(result.Outcome)
            ? WriteResult.Unknown(result.Reason ?? $"the write could not be confirmed; {RetryAdvice(command)}", forwarded)
            : WriteResult.Ran(result, forwarded);

    /// <summary>Outcomes after which the client cannot know whether its write happened (or, for NotLeader, where to send it).</summary>
    public static bool LeavesWriteUnknown(CommandOutcome outcome)
        => outcome is CommandOutcome.Indeterminate or CommandOutcome.Rejected or CommandOutcome.NotLeader;

    private static string RetryAdvice(TimerCommand command) => command is CreateTimer
        ? $"the write may or may not have happened, retry with the same x-timer-id ({command.TimerId})"
        : "the write may or may not have happened; check the timer before retrying";

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
        var bytes = TimerStateMachine.RetainedBytes(command.TimerId, spec);
        return existing is not null && existing.Status.IsWaiting() ? bytes - TimerStateMachine.RetainedBytes(existing) : bytes;
    }
}

/// <summary>A batch's end: every item's result when it ran here (<see cref="Route"/> is here), or where the leader is instead.</summary>
public readonly record struct BatchRun(WriteResult[]? Results, LeaderRoute Route);

/// <summary>A page of timers and the id to continue after (null at the end).</summary>
public sealed record TimerPage(List<TimerRecord> Timers, string? Next);

/// <summary>Where the leader is: here, another node (its API URL), or not known in time.</summary>
public readonly record struct LeaderRoute(LeaderAt At, string? ApiUrl)
{
    public static LeaderRoute Here => new(LeaderAt.Here, null);

    public static LeaderRoute Unknown => new(LeaderAt.Unknown, null);

    public static LeaderRoute Remote(string apiUrl) => new(LeaderAt.Remote, apiUrl);
}

public enum LeaderAt
{
    Here,
    Remote,
    Unknown,
}

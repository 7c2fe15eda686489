using System.Threading.Channels;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Clock;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Propose;

/// <summary>
/// Group commit: callers propose single commands; one loop packs whatever is waiting (up to
/// <see cref="ProposerOptions.MaxCommandsPerEntry"/>) into one log entry stamped with the leader's
/// clock, and keeps up to <see cref="ProposerOptions.MaxEntriesInFlight"/> entries replicating at once.
/// Never forces replication per request (docs/dotnext.md).
/// </summary>
public sealed partial class CommandProposer : IAsyncDisposable
{
    private readonly IRaftCluster cluster;
    private readonly AppliedState store;
    private readonly LeaderClock clock;
    private readonly ProposerOptions options;
    private readonly ILogger logger;
    private readonly Channel<Pending> queue;
    private readonly SemaphoreSlim inFlight;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private long lastStampUnixMs;
    private volatile LeaderTerm? term;

    public CommandProposer(IRaftCluster cluster, AppliedState store, LeaderClock clock, ProposerOptions options, ILogger<CommandProposer> logger)
    {
        this.cluster = cluster;
        this.store = store;
        this.clock = clock;
        this.options = options;
        this.logger = logger;
        queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        inFlight = new SemaphoreSlim(options.MaxEntriesInFlight, options.MaxEntriesInFlight);
        loop = Task.Run(() => PackLoopAsync(stopping.Token));
    }

    /// <summary>
    /// Proposes one command and waits until its entry is committed on a majority and applied here.
    /// The result is the command's outcome; <see cref="CommandOutcome.NotLeader"/> means it was never
    /// appended, <see cref="CommandOutcome.Indeterminate"/> means it may or may not have been committed.
    /// </summary>
    public async Task<CommandResult> ProposeAsync(TimerCommand command, CancellationToken token = default)
    {
        if (IsNotLeader())
            return new CommandResult(CommandOutcome.NotLeader, Reason: "this node is not the leader");

        var pending = new Pending(command);
        try
        {
            await queue.Writer.WriteAsync(pending, token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return new CommandResult(CommandOutcome.Rejected, Reason: "the node is shutting down");
        }

        return await pending.Result!.Task.WaitAsync(token).ConfigureAwait(false);
    }

    /// <summary>
    /// Proposes <paramref name="commands"/> as one log entry of their own or with others' commands, never split across
    /// entries, and waits until it is committed and applied here: a batch request's commands are decided together, in
    /// their order. The results are in the same order, each as <see cref="ProposeAsync"/> gives one; all are
    /// <see cref="CommandOutcome.NotLeader"/> or <see cref="CommandOutcome.Indeterminate"/> alike when the entry was
    /// not appended or not confirmed. A group may hold more commands than <see cref="ProposerOptions.MaxCommandsPerEntry"/>:
    /// it then has its entry to itself.
    /// </summary>
    public async Task<CommandResult[]> ProposeGroupAsync(IReadOnlyList<TimerCommand> commands, CancellationToken token = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(commands.Count, LogEntryCodec.MaxCommandsPerEntry, nameof(commands));
        if (commands.Count == 0)
            return [];
        if (IsNotLeader())
            return Same(commands.Count, new CommandResult(CommandOutcome.NotLeader, Reason: "this node is not the leader"));

        var pending = new Pending([.. commands]);
        try
        {
            await queue.Writer.WriteAsync(pending, token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return Same(commands.Count, new CommandResult(CommandOutcome.Rejected, Reason: "the node is shutting down"));
        }

        return await pending.GroupResult!.Task.WaitAsync(token).ConfigureAwait(false);
    }

    private static CommandResult[] Same(int count, CommandResult result)
    {
        var results = new CommandResult[count];
        Array.Fill(results, result);
        return results;
    }

    /// <summary>
    /// Proposes one command without waiting: <paramref name="callback"/> hears its result once, on the thread that
    /// completes its entry, so a caller with many commands in flight (the forwarding channel) gets the results of one
    /// entry together and without a thread-pool hop each. Returns null when the command was queued; otherwise the
    /// result it already has (not the leader, or the queue is full) and the callback is not called.
    /// </summary>
    /// <remarks>
    /// There is no per-command deadline: a queued command completes when its entry commits, fails, or times out
    /// (<see cref="ProposerOptions.CommitTimeoutMs"/>), and a command still queued when the node stops is rejected.
    /// The callback must be quick and must not throw; it runs while other commands of the entry wait for theirs.
    /// </remarks>
    public CommandResult? Propose(TimerCommand command, IProposalCallback callback, long callbackId, object? state)
    {
        if (IsNotLeader())
            return new CommandResult(CommandOutcome.NotLeader, Reason: "this node is not the leader");
        if (!queue.Writer.TryWrite(new Pending(command, callback, callbackId, state)))
            return new CommandResult(CommandOutcome.Rejected, Reason: "the leader's proposal queue is full; retry shortly");
        return null;
    }

    /// <summary>
    /// Called by the leader's duties once this node's new term is applied: from now until
    /// <paramref name="leadership"/> is cancelled, entries are proposed in term <paramref name="leaderTerm"/>.
    /// </summary>
    /// <remarks>
    /// DotNext writes an entry with the term the caller gives, so the term is the caller's responsibility.
    /// Reading the node's current term at each proposal is not safe: a vote request from a higher term bumps
    /// it while this node is still, briefly, the leader, and an entry appended then would carry the new term —
    /// matching the new leader's entries at that index, so it would never be truncated. The term is therefore
    /// captured once, when leadership begins, and the proposer refuses to append once the node's term differs.
    /// </remarks>
    public void BeginTerm(CancellationToken leadership, long leaderTerm) => term = new LeaderTerm(leadership, leaderTerm);

    /// <summary>The term entries are written in since this node's latest leadership began; null before its first.</summary>
    public long? Term => term?.Term;

    /// <summary>The clock entries are stamped by; the leader's wheel reads the same one (see <see cref="LeaderClock"/>).</summary>
    public LeaderClock Clock => clock;

    /// <summary>True while this node leads and its term is known: the only time it proposes.</summary>
    public bool CanPropose => term is { } t && IsCurrent(t) && LeadershipProbe.IsLeader(cluster);

    /// <summary>
    /// Commands queued for packing plus entries being replicated: zero when this node has nothing in the works.
    /// Read by the progress-stalled gauge, off the hot path; both parts are read without locks and may be a moment apart.
    /// </summary>
    public int WaitingCount => queue.Reader.Count + (options.MaxEntriesInFlight - inFlight.CurrentCount);

    private bool IsCurrent(LeaderTerm t) => !t.Leadership.IsCancellationRequested && cluster.Term == t.Term;

    private bool IsNotLeader() => !CanPropose;

    private async Task PackLoopAsync(CancellationToken token)
    {
        var reader = queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                await inFlight.WaitAsync(token).ConfigureAwait(false);
                var batch = new List<Pending>(Math.Min(options.MaxCommandsPerEntry, reader.Count + 1));
                var bytes = 0L;
                var count = 0;
                // A group goes whole into one entry: into this one if it fits, else it opens the next.
                while (count < options.MaxCommandsPerEntry && (batch.Count == 0 || bytes < options.MaxEntryBytes)
                       && reader.TryPeek(out var next)
                       && (batch.Count == 0 || (bytes + next.EstimatedBytes <= options.MaxEntryBytes && count + next.Count <= options.MaxCommandsPerEntry)))
                {
                    reader.TryRead(out _);
                    batch.Add(next);
                    bytes += next.EstimatedBytes;
                    count += next.Count;
                }

                if (batch.Count == 0)
                {
                    inFlight.Release();
                    continue;
                }

                // The stamp is taken here, in the single packing loop, so entries leave in stamp order.
                if (term is not { } current || !IsCurrent(current))
                {
                    inFlight.Release();
                    foreach (var pending in batch)
                        pending.Complete(new CommandResult(CommandOutcome.NotLeader, Reason: "this node is not the leader"));
                    continue;
                }

                // A clock a majority of members disagrees with would stamp entries that far off (a create due an hour late, a
                // stamp every later leader must wait out): refuse until this node has stepped down (docs/clocks.md).
                if (clock.Cluster.Distrusted)
                {
                    inFlight.Release();
                    foreach (var pending in batch)
                        pending.Complete(new CommandResult(CommandOutcome.NotLeader, Reason: "this node's clock disagrees with a majority of members; it is stepping down"));
                    continue;
                }

                _ = ReplicateAsync(batch, NextStamp(), current.Term);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }

        while (reader.TryRead(out var left))
            left.Complete(new CommandResult(CommandOutcome.Rejected, Reason: "the node is shutting down"));
    }

    /// <summary>
    /// The leader's stamp: its clock, but never below a stamp already issued or already in the
    /// log, so applied time never goes backwards across entries or leaders (docs/design.md invariant 2).
    /// </summary>
    private long NextStamp()
    {
        var now = clock.NowUnixMs();
        var stamp = Math.Max(now, Math.Max(lastStampUnixMs, store.LastStampUnixMs));
        lastStampUnixMs = stamp;
        return stamp;
    }

    private async Task ReplicateAsync(List<Pending> batch, long stampUnixMs, long leaderTerm)
    {
        var commands = Flatten(batch);
        var context = new ProposalContext(commands.Length, leaderTerm);
        var failure = CommandOutcome.Indeterminate;
        string? reason = null;
        try
        {
            var payload = LogEntryCodec.Encode(stampUnixMs, commands);

            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.CommitTimeoutMs), clock.System);
            try
            {
                if (term is not { } current || current.Term != context.Term || !IsCurrent(current))
                    throw new NotLeaderException();
                var entry = new BinaryLogEntry { Content = payload, Term = context.Term, Context = context };
                await cluster.ReplicateAsync(entry, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!context.Applied)
            {
                // DotNext throws NotLeaderException without an inner exception only before it appends the
                // entry; after the append, losing leadership surfaces wrapped, and the entry may still commit.
                failure = e is NotLeaderException { InnerException: null } ? CommandOutcome.NotLeader : CommandOutcome.Indeterminate;
                reason = failure == CommandOutcome.NotLeader
                    ? "this node is not the leader"
                    : $"leadership changed or the commit timed out ({e.GetType().Name}); the write may or may not have happened";
                LogReplicationFailed(commands.Length, e.GetType().Name, e.Message);
            }
        }
        finally
        {
            inFlight.Release();
            Complete(batch, commands.Length, context, failure, reason);
        }
    }

    private static TimerCommand[] Flatten(List<Pending> batch)
    {
        var count = 0;
        foreach (var pending in batch)
            count += pending.Count;
        var commands = new TimerCommand[count];
        var at = 0;
        foreach (var pending in batch)
        {
            if (pending.Group is { } group)
            {
                group.CopyTo(commands, at);
                at += group.Length;
            }
            else
            {
                commands[at++] = pending.Command!;
            }
        }

        return commands;
    }

    private static void Complete(List<Pending> batch, int commandCount, ProposalContext context, CommandOutcome failure, string? reason)
    {
        var applied = context.Applied && context.Results.Count == commandCount;
        var at = 0;
        foreach (var pending in batch)
        {
            if (!applied)
                pending.Complete(new CommandResult(failure, Reason: reason));
            else if (pending.Group is { } group)
                pending.CompleteGroup(context.Results, at);
            else
                pending.Complete(context.Results[at]);
            at += pending.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stopping.Dispose();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Entry of {Count} commands not confirmed: {Error}: {Message}")]
    private partial void LogReplicationFailed(int count, string error, string message);

    private sealed record LeaderTerm(CancellationToken Leadership, long Term);

    private sealed class Pending
    {
        /// <summary>The one command; null for a group.</summary>
        public readonly TimerCommand? Command;

        /// <summary>The commands of a group (<see cref="ProposeGroupAsync"/>), which go into one entry together; null for one command.</summary>
        public readonly TimerCommand[]? Group;

        /// <summary>The group's results (<see cref="ProposeGroupAsync"/>); null for one command.</summary>
        public readonly TaskCompletionSource<CommandResult[]>? GroupResult;

        /// <summary>An upper estimate of the command's encoded size (UTF-8 may take 3 bytes per character).</summary>
        public readonly long EstimatedBytes;

        /// <summary>The awaited result (<see cref="ProposeAsync"/>), or null when a callback hears it (<see cref="Propose"/>).</summary>
        public readonly TaskCompletionSource<CommandResult>? Result;

        private readonly IProposalCallback? callback;
        private readonly long callbackId;
        private readonly object? state;
        private int completed;

        public Pending(TimerCommand command)
            : this(command, null, 0, null) => Result = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);

        public Pending(TimerCommand[] group)
        {
            Group = group;
            GroupResult = new TaskCompletionSource<CommandResult[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var command in group)
                EstimatedBytes += EstimateBytes(command);
        }

        /// <summary>How many commands this holds.</summary>
        public int Count => Group?.Length ?? 1;

        public Pending(TimerCommand command, IProposalCallback? callback, long callbackId, object? state)
        {
            Command = command;
            this.callback = callback;
            this.callbackId = callbackId;
            this.state = state;
            EstimatedBytes = EstimateBytes(command);
        }

        private static long EstimateBytes(TimerCommand command) => 64 + (3L * command.TimerId.Length) + command switch
        {
            CreateTimer c => SpecBytes(c.Spec),
            UpdateTimer u => SpecBytes(u.Spec),
            RecordDelivery r => 3L * (r.Error?.Length ?? 0),
            _ => 0,
        };

        /// <summary>Hands the result to the caller, once; a group gets it for each of its commands.</summary>
        public void Complete(CommandResult result)
        {
            if (Interlocked.Exchange(ref completed, 1) != 0)
                return;
            if (GroupResult is not null)
                GroupResult.TrySetResult(Same(Group!.Length, result));
            else if (Result is not null)
                Result.TrySetResult(result);
            else
                callback!.Completed(callbackId, Command!, result, state);
        }

        /// <summary>Hands a group its commands' results, taken from <paramref name="results"/> at <paramref name="from"/>, once.</summary>
        public void CompleteGroup(IReadOnlyList<CommandResult> results, int from)
        {
            if (Interlocked.Exchange(ref completed, 1) != 0)
                return;
            var mine = new CommandResult[Group!.Length];
            for (var i = 0; i < mine.Length; i++)
                mine[i] = results[from + i];
            GroupResult!.TrySetResult(mine);
        }

        private static long SpecBytes(TimerSpec spec)
            => spec.Data.Utf8.Length + spec.Callback.UriUtf8.Length + (3L * (spec.Callback.Method.Length + spec.Callback.Transport.Length))
                + (spec.Headers is { } headers ? headers.Bytes + (4L * headers.Items.Count) : 0);
    }
}

/// <summary>Hears the result of a command proposed with <see cref="CommandProposer.Propose"/>.</summary>
public interface IProposalCallback
{
    /// <summary>Called once per proposed command, with the id and state given to <see cref="CommandProposer.Propose"/>; must not throw.</summary>
    void Completed(long id, TimerCommand command, in CommandResult result, object? state);
}

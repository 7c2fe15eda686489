using System.Threading.Channels;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Propose;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Cluster.Lead;

/// <summary>
/// What only the leader does, for as long as it leads, with the I/O around it: waits for leadership, checks the term
/// against the log, reads the clock, ticks the term's <see cref="LeaderStep"/> (which makes every decision), proposes
/// what it decides, hands committed fires to the deliveries and reports results back to the step. Each leadership
/// term starts from the state in the log, so nothing is carried over from an earlier term of this node or from another leader.
/// </summary>
public sealed partial class LeaderRunner(
    IRaftCluster cluster,
    AppliedState store,
    CommandProposer proposer,
    Func<CancellationToken, DeliveryRunner> createDeliveryRunner,
    LeaderOptions options,
    ILeaderObserver observer,
    TimeProvider clock,
    ILogger<LeaderRunner> logger,
    Func<CancellationToken, Task<int>>? clusterLogLevel = null) : IProposalCallback
{
    /// <summary>Loops for the node's life: waits for leadership, leads until it is lost, waits again.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            CancellationToken leadership;
            try
            {
                // Returns once this node's new-term barrier is applied, so the state holds every committed entry.
                leadership = await cluster.WaitForLeadershipAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                LogWaitForLeadershipFailed(e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            using var term = CancellationTokenSource.CreateLinkedTokenSource(leadership, stopping);
            try
            {
                await LeadAsync(term.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (term.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                LogLeadershipDutiesFailed(e);
                await Task.Delay(TimeSpan.FromMilliseconds(100), clock, CancellationToken.None).ConfigureAwait(false);
            }

            LogLeadershipEnded();
        }
    }

    private async Task LeadAsync(CancellationToken term)
    {
        // Before the O(n) work below: the term this node was elected in, checked against the log (see TermOfLeadershipAsync).
        if (await TermOfLeadershipAsync(term).ConfigureAwait(false) is not { } leaderTerm)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, clock, term).ConfigureAwait(false); // until DotNext ends this leadership
            return;
        }

        // Fresh samples of the members' clocks, and a verdict on this one's before the first stamp: a node that starts with
        // a wrong clock must not stamp entries with it (docs/clocks.md). Bounded: members slow to answer do not stop writes.
        var clusterClock = proposer.Clock.Cluster;
        clusterClock.WantSample();
        // As long as a first round may take: the members' metadata, then their answers, each within the sample timeout.
        await clusterClock.WaitForVerdictAsync(
            TimeSpan.FromMilliseconds((2L * clusterClock.Options.SampleTimeoutMs) + clusterClock.Options.SampleIntervalMs), term).ConfigureAwait(false);

        // A snapshot installed just before this node was elected may still be loading; its timers are this term's too.
        await store.Current.WaitAsync(term).ConfigureAwait(false);

        var events = new AppliedEvents(options.MaxQueuedEvents);
        var step = BeginTerm(events.OnApplied, term, leaderTerm);

        // Deliveries end with this method, not only with the term: whatever ends leading ends them.
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(term);
        var deliveries = createDeliveryRunner(leading.Token);
        try
        {
            // Waited in slices: each looks at the clock again, and a stamp far ahead (a deposed leader's clock set years
            // forward) must not fail the term over and over.
            var holdMs = step.HoldMs(NowUnixMs());
            if (holdMs > 0)
                LogWaitingForClock(holdMs);
            for (; holdMs > 0; holdMs = step.HoldMs(NowUnixMs()))
                await Task.Delay(TimeSpan.FromMilliseconds(holdMs), clock, term).ConfigureAwait(false);

            await TickLoopAsync(step, events, deliveries, term).ConfigureAwait(false);
        }
        finally
        {
            store.DetachLeader(events.OnApplied);
            await leading.CancelAsync().ConfigureAwait(false);
            await deliveries.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The term this node was elected in, or null when its term has already moved on. The node's in-memory term alone
    /// cannot say: a vote request from a higher term bumps it before DotNext cancels the leadership token, and entries
    /// written in that next term would match the next leader's entries at their index and never be truncated. The
    /// log can: a new leader's first entry (its write barrier, applied before <c>WaitForLeadershipAsync</c> returns) is
    /// the last in its log and carries its term, until it proposes. So the in-memory term counts only when the last
    /// entry's term agrees with it.
    /// </summary>
    private async Task<long?> TermOfLeadershipAsync(CancellationToken term)
    {
        var elected = cluster.Term;
        var log = cluster.AuditTrail;
        var last = log.LastEntryIndex;
        var logTerm = last > 0 ? await log.ReadAsync(new EntryTerm(), last, last, term).ConfigureAwait(false) : 0L;
        if (logTerm == elected)
            return elected;
        LogTermMovedOn(elected, last, logTerm);
        return null;
    }

    /// <summary>Reads the term of the one entry asked for.</summary>
    private readonly struct EntryTerm : ILogEntryConsumer<IRaftLogEntry, long>
    {
        public ValueTask<long> ReadAsync<TEntry, TList>(TList entries, long? snapshotIndex, CancellationToken token)
            where TEntry : IRaftLogEntry
            where TList : IReadOnlyList<TEntry>
            => ValueTask.FromResult(entries[^1].Term);
    }

    /// <summary>
    /// Takes writes in this term and builds its step from the state. A method of its own: the list of every pending timer
    /// must not stay reachable from the term's loop (8 bytes per pending timer, docs/benchmarks.md).
    /// </summary>
    private LeaderStep BeginTerm(Action<IReadOnlyList<TimerEvent>> onEvents, CancellationToken term, long leaderTerm)
    {
        var started = clock.GetTimestamp();
        var view = store.AttachLeader(onEvents);

        // The proposer writes every entry in the term this node was elected in and stops proposing as soon as the node's
        // term moves on. Writes are taken from here on, while the wheel is built: applied events wait in the channel meanwhile.
        proposer.BeginTerm(term, leaderTerm);
        var step = new LeaderStep(options, view.Pending, NowUnixMs(), view.LastStampUnixMs, asksLogLevel: clusterLogLevel is not null);
        LogLeading(view.Pending.Count, step.PlacedAtOnce, WheelBackfill.NearMs, view.FiringCount, (long)clock.GetElapsedTime(started).TotalMilliseconds);
        return step;
    }

    /// <summary>
    /// The events the apply loop hands the leader, at most <see cref="LeaderOptions.MaxQueuedEvents"/> waiting at once.
    /// Past that (the leader's loop stalled while entries kept being applied) they are dropped and the leader rebuilds
    /// its wheel and deliveries from the state instead (<see cref="Resync"/>): the state, not the events, is the truth.
    /// </summary>
    private sealed class AppliedEvents(int max)
    {
        private readonly Channel<TimerEvent> channel = Channel.CreateUnbounded<TimerEvent>(new UnboundedChannelOptions { SingleReader = true });
        private int queued;
        private int lost;

        /// <summary>The store's listener; runs on the apply loop under the store's lock.</summary>
        public void OnApplied(IReadOnlyList<TimerEvent> applied)
        {
            if (Volatile.Read(ref lost) == 1)
                return;
            if (Interlocked.Add(ref queued, applied.Count) > max)
            {
                Volatile.Write(ref lost, 1);
                return;
            }

            foreach (var e in applied)
                channel.Writer.TryWrite(e);
        }

        public bool Lost => Volatile.Read(ref lost) == 1;

        /// <summary>Moves the queued events into <paramref name="into"/>.</summary>
        public void Drain(List<TimerEvent> into)
        {
            into.Clear();
            while (channel.Reader.TryRead(out var e))
            {
                Interlocked.Decrement(ref queued);
                into.Add(e);
            }
        }

        /// <summary>Forgets what is queued and takes events again. Call under the store's lock, with the state read for the rebuild.</summary>
        public void Resync()
        {
            while (channel.Reader.TryRead(out _))
            {
            }

            Volatile.Write(ref queued, 0);
            Volatile.Write(ref lost, 0);
        }
    }

    private async Task TickLoopAsync(LeaderStep step, AppliedEvents events, DeliveryRunner deliveries, CancellationToken term)
    {
        var applied = new List<TimerEvent>();
        var output = new LeaderStepOutput();
        var fires = new FireTerm(step, term, NowUnixMs);
        var view = new AppliedStateView(store);
        var purges = new PurgeWork(step, proposer, clusterLogLevel, LogPurgeFailed, term);
        using var ticker = new PeriodicTimer(TimeSpan.FromMilliseconds(options.TickMs), clock);
        while (await ticker.WaitForNextTickAsync(term).ConfigureAwait(false))
        {
            if (events.Lost)
            {
                // Events were dropped: the wheel may miss schedules. Rebuild it from the state, read under the store's lock
                // together with the reset, so that every event after the read reaches the new wheel.
                var pending = store.Read(s =>
                {
                    events.Resync();
                    return s.WithStatus(TimerStatus.Pending);
                });
                step.Rebuild(pending, NowUnixMs(), deliveries);
                LogResynced(options.MaxQueuedEvents, pending.Count);
            }

            events.Drain(applied);
            var now = NowUnixMs();
            purges.Report(now);
            var cluster = proposer.Clock.Cluster;
            step.Tick(new LeaderTick(now, cluster.MayFire, applied, store.FinishedCount, store.FinishedBytes), view, deliveries, output);

            if (output.Hold == FireHold.Holding)
                LogHoldingFires(cluster.Verdict.ToString(), cluster.Options.MaxSkewMs);
            else if (output.Hold == FireHold.Firing)
                LogFiringAgain();

            foreach (var command in output.Fires)
            {
                // Without waiting: the results of one entry's fires come back together on the thread that completed it.
                if (proposer.Propose(command, this, 0, fires) is { } refused)
                    ((IProposalCallback)this).Completed(0, command, refused, fires);
            }

            purges.Start(output);
        }
    }

    /// <summary>The step and the term a proposed fire belongs to, handed back with its result, and the clock a retry reads.</summary>
    private sealed record FireTerm(LeaderStep Step, CancellationToken Term, Func<long> Now);

    /// <summary>The result of a proposed fire; runs on the proposer's completing thread, so it only counts and queues.</summary>
    void IProposalCallback.Completed(long id, TimerCommand command, in CommandResult result, object? state)
    {
        var fires = (FireTerm)state!;
        if (result.Outcome == CommandOutcome.Applied)
            observer.FireApplied();
        fires.Step.FireCompleted((FireTimer)command, result.Outcome, fires.Now, fires.Term.IsCancellationRequested);
    }

    /// <summary>
    /// The step's looks at the state, each under the store's lock. Deliveries are asked whether they know a timer
    /// from inside it, as the offer always did: their lock never waits for the store's.
    /// </summary>
    private sealed class AppliedStateView(AppliedState store) : ILeaderStateView
    {
        public bool IsPendingAt(string timerId, long version) => store.Read(s => s.IsPendingAt(timerId, version));

        public void KeepPending(List<WheelEntry> candidates) => store.Read(s =>
        {
            StateMachineView.Keep(s, candidates);
            return 0;
        });

        public List<TimerRecord> SomeFiring(Func<string, long, bool> skip, int max, out bool more)
        {
            var (firing, anyMore) = store.Read(s => (s.SomeFiring(skip, max, out var m), m));
            more = anyMore;
            return firing;
        }
    }

    /// <summary>
    /// The I/O of the step's purges: asking the members for their log level and proposing the purge, each in the
    /// background, their ends reported to the step at the next tick (the step is the tick loop's alone).
    /// </summary>
    private sealed class PurgeWork(
        LeaderStep step, CommandProposer proposer, Func<CancellationToken, Task<int>>? askLevel, Action<string, string> logFailed,
        CancellationToken term)
    {
        private Task<int>? level;
        private Task<CommandResult>? purge;

        public void Start(LeaderStepOutput output)
        {
            if (output.AskLogLevel && askLevel is not null)
                level = askLevel(term);
            if (output.Purge is { } command)
                purge = proposer.ProposeAsync(command, term);
        }

        public void Report(long nowUnixMs)
        {
            if (level is { IsCompleted: true } asked)
            {
                level = null;
                if (asked.IsCompletedSuccessfully)
                    step.LogLevelKnown(asked.Result);
                else
                {
                    Failed(asked);
                    step.LogLevelUnknown(nowUnixMs);
                }
            }

            if (purge is { IsCompleted: true } done)
            {
                purge = null;
                if (done.IsCompletedSuccessfully)
                    step.PurgeEnded(done.Result.Outcome, done.Result.Purged);
                else
                {
                    Failed(done);
                    step.PurgeEnded(CommandOutcome.Indeterminate, 0);
                }
            }
        }

        /// <summary>Purging is housekeeping: a failure is logged and the next interval tries again.</summary>
        private void Failed(Task task)
        {
            if (task.Exception?.InnerException is { } e && !term.IsCancellationRequested)
                logFailed(e.GetType().Name, e.Message);
        }
    }

    /// <summary>The wheel's time: the proposer's clock, so a fire is never stamped before the tick that found it due (see <see cref="LeaderClock"/>).</summary>
    private long NowUnixMs() => proposer.Clock.NowUnixMs();

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Leading: {Pending} pending timers, {Near} due within {NearMs} ms placed on the wheel at once (state read and placed in {WheelBuildMs} ms), the rest in slices; {Firing} firing timers to re-deliver")]
    private partial void LogLeading(int pending, int near, long nearMs, int firing, long wheelBuildMs);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Waiting {BehindMs} ms for the clock to pass the last stamp in the log before firing")]
    private partial void LogWaitingForClock(long behindMs);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Elected, but the node's term is already {Term} while its last log entry ({Index}) is of term {LogTerm}: proposing nothing until this leadership ends")]
    private partial void LogTermMovedOn(long term, long index, long logTerm);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Purge of finished timers failed ({Error}: {Reason}); trying again at the next interval")]
    private partial void LogPurgeFailed(string error, string reason);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Holding fires: a majority of members has not confirmed this node's clock within {MaxSkewMs} ms (verdict {Verdict})")]
    private partial void LogHoldingFires(string verdict, long maxSkewMs);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "A majority of members confirms this node's clock: firing")]
    private partial void LogFiringAgain();

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "More than {MaxQueuedEvents} applied events waited for the leader's loop: dropped them and rebuilt the wheel from the state ({Pending} pending timers)")]
    private partial void LogResynced(int maxQueuedEvents, int pending);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Leadership ended")]
    private partial void LogLeadershipEnded();

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Waiting for leadership failed; trying again")]
    private partial void LogWaitForLeadershipFailed(Exception e);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Leader duties failed; waiting for the next term")]
    private partial void LogLeadershipDutiesFailed(Exception e);
}

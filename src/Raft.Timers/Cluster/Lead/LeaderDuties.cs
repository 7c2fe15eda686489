using System.Collections.Concurrent;
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
/// What only the leader does, for as long as it leads: run the timing wheel and propose fire entries
/// for due timers, deliver committed fires, and propose the purge of old finished timers.
/// Each leadership term starts from the state in the log, so nothing is carried over from an
/// earlier term of this node or from another leader.
/// </summary>
public sealed partial class LeaderDuties(
    IRaftCluster cluster,
    AppliedState store,
    CommandProposer proposer,
    Func<CancellationToken, DeliveryRunner> createDeliveryRunner,
    LeaderOptions options,
    ILeaderObserver observer,
    TimeProvider clock,
    ILogger<LeaderDuties> logger,
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
        var rebuildStarted = clock.GetTimestamp();
        // Read in a method of its own: the list of every pending timer must not stay reachable from this one for the
        // whole term (8 bytes per pending timer, docs/benchmarks.md); only the stamp outlives it.
        var (wheel, backfill, lastStampUnixMs) = BeginTerm(events.OnApplied, term, leaderTerm, rebuildStarted);

        // Deliveries end with this method, not only with the term: whatever ends leading ends them.
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(term);
        var deliveries = createDeliveryRunner(leading.Token);
        try
        {
            // Invariant 2: fire nothing until this node's clock has passed every stamp already in the log.
            // Waited in slices: Task.Delay refuses more than about 49.7 days, and a stamp that far ahead (a deposed leader's
            // clock set years forward) would otherwise fail the term over and over. Each slice looks at the clock again.
            var behindMs = lastStampUnixMs - NowUnixMs();
            if (behindMs > 0)
                LogWaitingForClock(behindMs);
            while (behindMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(behindMs + 1, MaxDelayMs)), clock, term).ConfigureAwait(false);
                behindMs = lastStampUnixMs - NowUnixMs();
            }

            // The firing timers this term takes over are offered to the deliveries a queue's worth at a time.
            deliveries.RequestRefill();

            await TickLoopAsync(wheel, backfill, events, deliveries, term).ConfigureAwait(false);
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

    private (TimingWheel Wheel, WheelBackfill Backfill, long LastStampUnixMs) BeginTerm(
        Action<IReadOnlyList<TimerEvent>> onEvents, CancellationToken term, long leaderTerm, long rebuildStarted)
    {
        var view = store.AttachLeader(onEvents);

        // The proposer writes every entry in the term this node was elected in and stops proposing as soon as the node's
        // term moves on. Writes are taken from here on, while the wheel is built: applied events wait in the channel meanwhile.
        proposer.BeginTerm(term, leaderTerm);
        // Headroom, so that the first creates of the term do not rehash an index of a million timers at once.
        var (wheel, backfill) = BuildWheel(view.Pending);
        LogLeading(view.Pending.Count, backfill.PlacedAtOnce, WheelBackfill.NearMs, view.FiringCount, (long)clock.GetElapsedTime(rebuildStarted).TotalMilliseconds);
        return (wheel, backfill, view.LastStampUnixMs);
    }

    /// <summary>A wheel holding <paramref name="pending"/>: the near ones at once, the rest placed a slice per tick by the backfill.</summary>
    private (TimingWheel Wheel, WheelBackfill Backfill) BuildWheel(List<TimerRecord> pending)
    {
        var now = NowUnixMs();
        var wheel = new TimingWheel(now, pending.Count + (pending.Count / 4));
        var backfill = new WheelBackfill(wheel, pending.Select(t => new WheelEntry(t.Id, t.Version, t.DueAtUnixMs)), now);
        return (wheel, backfill);
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

        public bool TryRead(out TimerEvent e)
        {
            if (!channel.Reader.TryRead(out e!))
                return false;
            Interlocked.Decrement(ref queued);
            return true;
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

    private async Task TickLoopAsync(TimingWheel wheel, WheelBackfill backfill, AppliedEvents events, DeliveryRunner deliveries,
        CancellationToken term)
    {
        var retries = new FireRetries(new ConcurrentQueue<WheelEntry>(), term);
        var expired = new List<WheelEntry>();
        var backlog = new Queue<WheelEntry>();
        var slice = new List<WheelEntry>();
        var nextPurge = NowUnixMs() + options.PurgeIntervalMs;
        var purges = new Purges(store, proposer, options, clock, clusterLogLevel, LogPurgeFailed, term);
        var nextSweep = NowUnixMs() + options.FiringSweepMs;
        var holding = false;
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
                (wheel, backfill) = BuildWheel(pending);
                deliveries.RequestRefill();
                LogResynced(options.MaxQueuedEvents, pending.Count);
            }

            while (events.TryRead(out var e))
                Follow(e, wheel, deliveries);
            if (deliveries.NeedsRefill)
                OfferFiring(deliveries);
            if (backfill.Remaining > 0)
                backfill.ScheduleSome(wheel, BackfillPerTick);
            while (retries.Queue.TryDequeue(out var retry))
            {
                // Only while that version is still pending: a retry must never displace a newer version's schedule.
                if (store.Read(s => s.IsPendingAt(retry.TimerId, retry.Version)))
                    wheel.Schedule(retry.TimerId, retry.Version, retry.DueAtUnixMs);
            }

            var now = NowUnixMs();
            if (MayFire(ref holding))
            {
                // Due timers beyond what the backlog holds stay in the wheel, due, and come out at the next ticks: the
                // leader's memory for a burst is the backlog's bound, not one entry per timer due.
                var room = (2 * options.MaxFiresInFlight) - backlog.Count;
                if (room > 0)
                {
                    expired.Clear();
                    wheel.Advance(now, expired, room);
                    foreach (var due in expired)
                        backlog.Enqueue(due);
                }

                ProposeSomeFires(backlog, slice, retries);
            }

            if (now >= nextSweep)
            {
                nextSweep = now + options.FiringSweepMs;
                deliveries.RequestRefill();
            }

            if (purges.Due(now >= nextPurge))
                nextPurge = now + options.PurgeIntervalMs;
        }
    }

    /// <summary>
    /// The purge of finished timers during one term: one purge in flight at a time, proposed every purge interval,
    /// and at once while the finished timers are over their bounds or the last purge removed a full slice. Bounds go
    /// into the log (purge version 2) only once every member reads them (<see cref="LogLevels"/>); until then the
    /// purge is by retention alone, as before.
    /// </summary>
    private sealed class Purges(
        AppliedState store, CommandProposer proposer, LeaderOptions options, TimeProvider clock,
        Func<CancellationToken, Task<int>>? askLevel, Action<string, string> logFailed, CancellationToken term)
    {
        private Task<bool> inFlight = Task.FromResult(false);
        private int clusterLevel = LogLevels.Base;
        private long nextLevelCheck = long.MinValue;

        /// <summary>Starts a purge when one is due; true when it started one.</summary>
        public bool Due(bool intervalElapsed)
        {
            if (!inFlight.IsCompleted)
                return false;
            var fullSlice = inFlight.IsCompletedSuccessfully && inFlight.Result;
            if (!intervalElapsed && !fullSlice && !OverBounds())
                return false;
            inFlight = PurgeAsync();
            return true;
        }

        /// <summary>
        /// Over the bounds by more than a hundredth (at least one timer or byte): a purge brings them back to the bounds,
        /// so finishing timers do not each cost a purge entry.
        /// </summary>
        private bool OverBounds()
        {
            return clusterLevel >= LogLevels.PurgeBounds
                && (store.FinishedCount > options.MaxFinishedTimers + Math.Max(1, options.MaxFinishedTimers / 100)
                    || store.FinishedBytes > options.MaxFinishedBytes + Math.Max(1, options.MaxFinishedBytes / 100));
        }

        /// <summary>True when the purge removed a full slice, so more may be due at once.</summary>
        private async Task<bool> PurgeAsync()
        {
            try
            {
                if (clusterLevel < LogLevels.PurgeBounds && askLevel is not null && clock.GetTimestamp() >= nextLevelCheck)
                {
                    nextLevelCheck = clock.GetTimestamp() + (options.PurgeIntervalMs * clock.TimestampFrequency / 1000);
                    clusterLevel = await askLevel(term).ConfigureAwait(false);
                }

                var bounds = clusterLevel >= LogLevels.PurgeBounds
                    ? new FinishedBounds(options.MaxFinishedTimers, options.MaxFinishedBytes, options.PurgeSliceTimers)
                    : null;
                var result = await proposer.ProposeAsync(new PurgeFinished(options.RetentionMs, bounds), term).ConfigureAwait(false);
                return bounds is not null && result.Outcome == CommandOutcome.Applied && result.Purged >= bounds.MaxPerEntry;
            }
            catch (Exception e) when (!term.IsCancellationRequested)
            {
                // Purging is housekeeping: the next interval tries again.
                logFailed(e.GetType().Name, e.Message);
                return false;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static void Follow(TimerEvent e, TimingWheel wheel, DeliveryRunner deliveries)
    {
        switch (e)
        {
            case TimerScheduled s:
                wheel.Schedule(s.TimerId, s.Version, s.DueAtUnixMs);
                break;
            case TimerUnscheduled u:
                wheel.Cancel(u.TimerId);
                break;
            case TimerFired f:
                wheel.Cancel(f.TimerId);
                deliveries.Start(f.TimerId, f.Version);
                break;
        }
    }

    /// <summary>
    /// Offers the deliveries the oldest firing timers they do not hold yet, as many as their queue takes. At most once a
    /// tick, and only with room for a good share or nothing else left to wait for: each look at the state skips the
    /// deliveries already held.
    /// </summary>
    private void OfferFiring(DeliveryRunner deliveries)
    {
        var room = deliveries.Room;
        if (room <= 0 || (room < deliveries.Capacity / 4 && deliveries.WaitingCount > 0))
            return;
        var (firing, more) = store.Read(s => (s.SomeFiring(deliveries.IsKnown, room, out var more), more));
        foreach (var timer in firing)
            deliveries.Offer(timer.Id, timer.Version);
        if (!more)
            deliveries.Refilled();
    }

    /// <summary>
    /// Proposes the fires of due timers, in the order the wheel hands them out, while fewer than <see cref="LeaderOptions.MaxFiresInFlight"/> await
    /// their result: a million timers due at once become a queue that drains as fast as the log commits them, leaving
    /// room in the proposer for client writes, and each look at the state under its lock stays short.
    /// </summary>
    private void ProposeSomeFires(Queue<WheelEntry> backlog, List<WheelEntry> slice, FireRetries retries)
    {
        var room = options.MaxFiresInFlight - Volatile.Read(ref retries.InFlight);
        if (backlog.Count == 0 || room <= 0)
            return;
        slice.Clear();
        while (slice.Count < room && backlog.TryDequeue(out var next))
            slice.Add(next);

        // The wheel is only a cache: propose a fire only for timers the state still holds pending at that version.
        var due = store.Read(s => slice.Where(e => s.IsPendingAt(e.TimerId, e.Version)).ToList());
        foreach (var entry in due)
        {
            // Without waiting: the results of one entry's fires come back together on the thread that completed it.
            var command = new FireTimer(entry.TimerId, entry.Version);
            Interlocked.Increment(ref retries.InFlight);
            if (proposer.Propose(command, this, 0, retries) is { } refused)
                ((IProposalCallback)this).Completed(0, command, refused, retries);
        }
    }

    /// <summary>The result of a proposed fire; runs on the proposer's completing thread, so it only counts and queues.</summary>
    void IProposalCallback.Completed(long id, TimerCommand command, in CommandResult result, object? state)
    {
        var retries = (FireRetries)state!;
        Interlocked.Decrement(ref retries.InFlight);
        var fire = (FireTimer)command;
        if (result.Outcome == CommandOutcome.Applied)
            observer.FireApplied();
        // NotLeader too: the proposer also refuses while this node's clock is distrusted, and leadership may outlast that.
        else if (result.Outcome is CommandOutcome.Indeterminate or CommandOutcome.Rejected or CommandOutcome.NotLeader && !retries.Term.IsCancellationRequested)
        {
            // Fire(id, version) is idempotent: look again a little later and propose it again if still pending.
            retries.Queue.Enqueue(new WheelEntry(fire.TimerId, fire.Version, NowUnixMs() + options.FireRetryMs));
        }
    }

    /// <summary>
    /// The fires of one term awaiting their result (<see cref="InFlight"/>), and those to look at again, filled by
    /// proposal results and drained by the tick loop.
    /// </summary>
    private sealed class FireRetries(ConcurrentQueue<WheelEntry> queue, CancellationToken term)
    {
        public int InFlight;

        public ConcurrentQueue<WheelEntry> Queue => queue;

        public CancellationToken Term => term;
    }

    /// <summary>The longest single delay waited (a day): well inside what <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> accepts.</summary>
    private const long MaxDelayMs = 86_400_000;

    /// <summary>How many far-away timers a new leader places per tick (<see cref="WheelBackfill"/>): about 10 ms of work.</summary>
    private const int BackfillPerTick = 50_000;

    /// <summary>
    /// Fires wait while a majority of members has not confirmed this node's clock (docs/clocks.md): a clock ahead of
    /// theirs would fire early. Timers already firing are still delivered, and the wheel catches up once confirmed.
    /// </summary>
    private bool MayFire(ref bool holding)
    {
        var cluster = proposer.Clock.Cluster;
        var may = cluster.MayFire;
        if (may == holding)
        {
            holding = !may;
            if (holding)
                LogHoldingFires(cluster.Verdict.ToString(), cluster.Options.MaxSkewMs);
            else
                LogFiringAgain();
        }

        return may;
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

using System.Collections.Concurrent;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Core.Lead;

/// <summary>
/// Every decision the leader makes in one term, without a clock, a thread or I/O: times come in as arguments, the state
/// is looked at through <see cref="ILeaderStateView"/>, and what to propose comes out in a <see cref="LeaderStepOutput"/>.
/// The runner in the cluster library reads the clock, waits between ticks, proposes what comes out, and reports the
/// results back; the tests drive it tick by tick.
/// </summary>
/// <remarks>
/// Owned by the runner's tick loop and not thread-safe, except <see cref="FireCompleted"/>, which the proposer calls
/// from the thread that completed an entry. Decisions, in the order a tick takes them:
/// <list type="number">
/// <item>follow applied events: a scheduled timer goes on the wheel, a cancelled or fired one leaves it, a fired one is delivered;</item>
/// <item>offer firing timers to the deliveries when they asked for them and have room;</item>
/// <item>place a slice of the far-away timers the term took over, and the fires to look at again;</item>
/// <item>while a majority confirms this node's clock, take due timers off the wheel into a bounded backlog, and propose
/// fires while fewer than <see cref="LeaderOptions.MaxFiresInFlight"/> await their result;</item>
/// <item>ask for every firing timer again each <see cref="LeaderOptions.FiringSweepMs"/>;</item>
/// <item>propose a purge of finished timers when one is due.</item>
/// </list>
/// </remarks>
public sealed class LeaderStep
{
    /// <summary>The longest single wait for the clock (a day): well inside what a timer accepts.</summary>
    public const long MaxHoldMs = 86_400_000;

    /// <summary>How many far-away timers a new leader places per tick (<see cref="WheelBackfill"/>): about 10 ms of work.</summary>
    public const int BackfillPerTick = 50_000;

    private readonly LeaderOptions options;
    private readonly long lastStampUnixMs;
    private readonly bool asksLogLevel;
    private readonly Queue<WheelEntry> backlog = new();
    private readonly List<WheelEntry> expired = [];
    private readonly List<WheelEntry> slice = [];
    private readonly ConcurrentQueue<WheelEntry> retries = new();
    private TimingWheel wheel;
    private WheelBackfill backfill;
    private int firesInFlight;
    private bool started;
    private bool holding;
    private long nextSweepUnixMs;
    private long nextPurgeUnixMs;
    private bool purgeInFlight;
    private bool levelAsked;
    private bool lastPurgeFull;
    private bool lastPurgeEmpty;
    private FinishedBounds? purgeBounds;
    private int clusterLevel = LogLevels.Base;
    private long nextLevelCheckUnixMs = long.MinValue;

    /// <summary>
    /// Starts a term with the <paramref name="pending"/> timers it takes over: those due soon go on the wheel at once, the
    /// rest a slice per tick. The list is not kept. <paramref name="lastStampUnixMs"/> is the last stamp in the log,
    /// which the clock must pass before anything fires (<see cref="HoldMs"/>). <paramref name="asksLogLevel"/>: whether
    /// the runner can ask the members which log level they all read, which purges need to carry bounds.
    /// </summary>
    public LeaderStep(LeaderOptions options, IReadOnlyCollection<TimerRecord> pending, long nowUnixMs, long lastStampUnixMs, bool asksLogLevel)
    {
        this.options = options;
        this.lastStampUnixMs = lastStampUnixMs;
        this.asksLogLevel = asksLogLevel;
        (wheel, backfill) = BuildWheel(pending, nowUnixMs);
    }

    /// <summary>Timers the term placed on the wheel before its first tick.</summary>
    public int PlacedAtOnce => backfill.PlacedAtOnce;

    /// <summary>Timers on the wheel now.</summary>
    public int WheelCount => wheel.Count;

    /// <summary>Due timers taken off the wheel and waiting for room among the fires in flight (at most 2 × <see cref="LeaderOptions.MaxFiresInFlight"/>).</summary>
    public int BacklogCount => backlog.Count;

    /// <summary>Fires proposed and not yet completed (<see cref="FireCompleted"/>).</summary>
    public int FiresInFlight => Volatile.Read(ref firesInFlight);

    /// <summary>
    /// How long to wait before the first tick (docs/design.md invariant 2: fire nothing until this node's clock has passed
    /// every stamp already in the log), at most <see cref="MaxHoldMs"/> at a time, after which the clock is read again.
    /// Zero once it has passed.
    /// </summary>
    public long HoldMs(long nowUnixMs)
    {
        var behindMs = lastStampUnixMs - nowUnixMs;
        return behindMs > 0 ? Math.Min(behindMs + 1, MaxHoldMs) : 0;
    }

    /// <summary>
    /// Applied events were dropped (the runner's queue of them overflowed), so the wheel may miss schedules: it is built
    /// again from <paramref name="pending"/>, read together with the reset of that queue, and every firing timer is looked at again.
    /// </summary>
    public void Rebuild(IReadOnlyCollection<TimerRecord> pending, long nowUnixMs, IDeliveries deliveries)
    {
        (wheel, backfill) = BuildWheel(pending, nowUnixMs);
        deliveries.RequestRefill();
    }

    /// <summary>
    /// The result of a proposed fire; thread-safe, called on the thread that completed it. An unknown outcome, or a
    /// refusal while this term lives (the proposer also refuses while the clock is distrusted, and leadership may outlast
    /// that), is looked at again <see cref="LeaderOptions.FireRetryMs"/> later and proposed again if still pending: a fire
    /// is idempotent. Once the term ended nothing is retried; the next leader starts from the log. The clock is read
    /// only for a retry: most fires apply, and this runs once per fire.
    /// </summary>
    public void FireCompleted(FireTimer fire, CommandOutcome outcome, Func<long> nowUnixMs, bool termEnded)
    {
        Interlocked.Decrement(ref firesInFlight);
        if (outcome is CommandOutcome.Indeterminate or CommandOutcome.Rejected or CommandOutcome.NotLeader && !termEnded)
            retries.Enqueue(new WheelEntry(fire.TimerId, fire.Version, nowUnixMs() + options.FireRetryMs));
    }

    /// <summary>The members all read log level <paramref name="level"/> (asked for with <see cref="LeaderStepOutput.AskLogLevel"/>).</summary>
    public void LogLevelKnown(int level)
    {
        levelAsked = false;
        clusterLevel = level;
    }

    /// <summary>Asking for the log level failed: the purge it held up waits for the next interval.</summary>
    public void LogLevelUnknown(long nowUnixMs)
    {
        levelAsked = false;
        nextPurgeUnixMs = nowUnixMs + options.PurgeIntervalMs;
    }

    /// <summary>
    /// The proposed purge ended: <paramref name="purged"/> timers removed when applied. A full slice asks for another at
    /// once. One that removed nothing though the finished timers are over their bounds (the oldest failed timer still owes
    /// its dead-letter notice) waits for the next interval rather than asking again at every tick.
    /// </summary>
    public void PurgeEnded(CommandOutcome outcome, int purged)
    {
        purgeInFlight = false;
        lastPurgeFull = purgeBounds is not null && outcome == CommandOutcome.Applied && purged >= purgeBounds.MaxPerEntry;
        lastPurgeEmpty = purged == 0;
    }

    /// <summary>One tick: see the remarks of <see cref="LeaderStep"/> for what it decides, in order.</summary>
    public void Tick(in LeaderTick tick, ILeaderStateView state, IDeliveries deliveries, LeaderStepOutput output)
    {
        output.Clear();
        var now = tick.NowUnixMs;
        if (!started)
        {
            // The firing timers this term takes over are offered to the deliveries a queue's worth at a time.
            started = true;
            deliveries.RequestRefill();
            nextSweepUnixMs = now + options.FiringSweepMs;
            nextPurgeUnixMs = now + options.PurgeIntervalMs;
        }

        foreach (var e in tick.Applied)
            Follow(e, deliveries);
        if (deliveries.NeedsRefill)
            OfferFiring(state, deliveries);
        if (backfill.Remaining > 0)
            backfill.ScheduleSome(wheel, BackfillPerTick);
        while (retries.TryDequeue(out var retry))
        {
            // Only while that version is still pending: a retry must never displace a newer version's schedule.
            if (state.IsPendingAt(retry.TimerId, retry.Version))
                wheel.Schedule(retry.TimerId, retry.Version, retry.DueAtUnixMs);
        }

        if (tick.MayFire == holding)
        {
            holding = !tick.MayFire;
            output.Hold = holding ? FireHold.Holding : FireHold.Firing;
        }

        if (tick.MayFire)
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

            ProposeSomeFires(state, output.Fires);
        }

        if (now >= nextSweepUnixMs)
        {
            // The safety net for a delivery that stopped without a recorded result.
            nextSweepUnixMs = now + options.FiringSweepMs;
            deliveries.RequestRefill();
        }

        PurgeIfDue(now, tick.FinishedCount, tick.FinishedBytes, output);
    }

    private static (TimingWheel Wheel, WheelBackfill Backfill) BuildWheel(IReadOnlyCollection<TimerRecord> pending, long nowUnixMs)
    {
        // Headroom, so that the first creates of the term do not rehash an index of a million timers at once.
        var built = new TimingWheel(nowUnixMs, pending.Count + (pending.Count / 4));
        return (built, new WheelBackfill(built, pending.Select(t => new WheelEntry(t.Id, t.Version, t.DueAtUnixMs)), nowUnixMs));
    }

    private void Follow(TimerEvent e, IDeliveries deliveries)
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
    /// Offers the deliveries the oldest firing timers they do not hold yet, as many as their queue takes. Only with room
    /// for a good share or nothing else left to wait for: each look at the state skips the deliveries already held.
    /// </summary>
    private static void OfferFiring(ILeaderStateView state, IDeliveries deliveries)
    {
        var room = deliveries.Room;
        if (room <= 0 || (room < deliveries.Capacity / 4 && deliveries.WaitingCount > 0))
            return;
        var firing = state.SomeFiring(deliveries.IsKnown, room, out var more);
        foreach (var timer in firing)
            deliveries.Offer(timer.Id, timer.Version);
        if (!more)
            deliveries.Refilled();
    }

    /// <summary>
    /// Fires of due timers, in the order the wheel hands them out, while fewer than <see cref="LeaderOptions.MaxFiresInFlight"/>
    /// await their result: a million timers due at once become a queue that drains as fast as the log commits them,
    /// leaving room in the proposer for client writes, and each look at the state stays short.
    /// </summary>
    private void ProposeSomeFires(ILeaderStateView state, List<FireTimer> fires)
    {
        var room = options.MaxFiresInFlight - Volatile.Read(ref firesInFlight);
        if (backlog.Count == 0 || room <= 0)
            return;
        slice.Clear();
        while (slice.Count < room && backlog.TryDequeue(out var next))
            slice.Add(next);

        // The wheel is only a cache: a fire only for timers the state still holds pending at that version.
        state.KeepPending(slice);
        foreach (var entry in slice)
        {
            Interlocked.Increment(ref firesInFlight);
            fires.Add(new FireTimer(entry.TimerId, entry.Version));
        }
    }

    /// <summary>
    /// The purge of finished timers: one in flight at a time, proposed every purge interval, and at once while the
    /// finished timers are over their bounds or the last purge removed a full slice. Bounds go into the log only once
    /// every member reads them (<see cref="LogLevels.PurgeBounds"/>); until then the purge is by retention alone. Likewise
    /// the retention of failed timers (<see cref="LogLevels.PauseResume"/>). The
    /// level is asked for at most once per interval, before the purge that needs it.
    /// </summary>
    private void PurgeIfDue(long now, long finishedCount, long finishedBytes, LeaderStepOutput output)
    {
        if (purgeInFlight || levelAsked)
            return;
        if (now < nextPurgeUnixMs && !lastPurgeFull && (lastPurgeEmpty || !OverBounds(finishedCount, finishedBytes)))
            return;
        if (clusterLevel < LogLevels.PauseResume && asksLogLevel && now >= nextLevelCheckUnixMs)
        {
            nextLevelCheckUnixMs = now + options.PurgeIntervalMs;
            levelAsked = true;
            output.AskLogLevel = true;
            return;
        }

        nextPurgeUnixMs = now + options.PurgeIntervalMs;
        purgeInFlight = true;
        purgeBounds = clusterLevel >= LogLevels.PurgeBounds
            ? new FinishedBounds(options.MaxFinishedTimers, options.MaxFinishedBytes, options.PurgeSliceTimers)
            : null;
        // Failed timers get their own retention once every member reads it; before, they go with the others.
        output.Purge = new PurgeFinished(options.RetentionMs, purgeBounds)
        {
            FailedRetentionMs = clusterLevel >= LogLevels.PauseResume ? options.FailedRetentionMs : null,
        };
    }

    /// <summary>
    /// Over the bounds by more than a hundredth (at least one timer or byte): a purge brings them back to the bounds,
    /// so finishing timers do not each cost a purge entry.
    /// </summary>
    private bool OverBounds(long finishedCount, long finishedBytes)
        => clusterLevel >= LogLevels.PurgeBounds
            && (finishedCount > options.MaxFinishedTimers + Math.Max(1, options.MaxFinishedTimers / 100)
                || finishedBytes > options.MaxFinishedBytes + Math.Max(1, options.MaxFinishedBytes / 100));
}

/// <summary>
/// What a tick of <see cref="LeaderStep"/> is given: the leader's time, whether a majority confirms its clock, the
/// events applied since the last tick, and the finished timers' totals.
/// </summary>
public readonly record struct LeaderTick(long NowUnixMs, bool MayFire, IReadOnlyList<TimerEvent> Applied, long FinishedCount = 0, long FinishedBytes = 0);

/// <summary>What one tick decided; reused from tick to tick.</summary>
public sealed class LeaderStepOutput
{
    /// <summary>Fires to propose, each awaited through <see cref="LeaderStep.FireCompleted"/>.</summary>
    public List<FireTimer> Fires { get; } = [];

    /// <summary>A purge to propose, its end reported through <see cref="LeaderStep.PurgeEnded"/>.</summary>
    public PurgeFinished? Purge { get; set; }

    /// <summary>Ask the members which log level they all read; report it through <see cref="LeaderStep.LogLevelKnown"/>.</summary>
    public bool AskLogLevel { get; set; }

    /// <summary>Fires started or stopped waiting for the clock's confirmation at this tick.</summary>
    public FireHold Hold { get; set; }

    public void Clear()
    {
        Fires.Clear();
        Purge = null;
        AskLogLevel = false;
        Hold = FireHold.Unchanged;
    }
}

/// <summary>Whether fires began to wait for a majority's confirmation of the clock, or resumed.</summary>
public enum FireHold
{
    Unchanged,
    Holding,
    Firing,
}

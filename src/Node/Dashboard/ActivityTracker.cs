using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// What the timers went through, per second, as the dashboard plots it: creates, updates, cancels, fire decisions,
/// deliveries, failed delivery attempts and fire lateness, plus the last <see cref="FailureCapacity"/> failed attempts
/// with their errors. Fed by <see cref="RaftTimers.Cluster.Apply.AppliedState"/>'s apply hook on every node: every node applies every
/// committed entry with the same results, so any node's figures are the cluster's (not only what this node did as
/// leader, which is what <c>/metrics</c> counts).
/// </summary>
/// <remarks>
/// <para>
/// Seconds are those of the leader's stamp in each entry, not of the local apply: two nodes put an entry in the same
/// second, and a follower that applies late does not shift the curve. Fire lateness is the fire entry's stamp minus
/// the timer's due time — the fire decision's delay (a tick and a commit), not the delivery's (that one, measured by
/// the delivering leader, is in <c>/metrics</c>).
/// </para>
/// <para>
/// Counting starts when the node starts (<see cref="ObservingSinceUnixMs"/>): entries replayed at start are older
/// than the window, and entries that arrive inside a snapshot installed from the leader are never seen one by one, so
/// a node that installed one lacks them (<see cref="SnapshotInstalledAtUnixMs"/> says when). Each call costs a few
/// additions per command and reading a window copies at most <see cref="WindowSeconds"/> buckets: the counting scans
/// no timers. The next due timer has costs of its own, described on <see cref="NextDueIndex"/>.
/// </para>
/// <para>
/// <see cref="Applied"/> runs on the apply loop under the store's lock; readers take a copy under this class's own
/// lock. <see cref="TryNextDue"/> is the exception: it runs under the store's lock too (see <see cref="NextDueIndex"/>).
/// </para>
/// </remarks>
public sealed class ActivityTracker : IApplyObserver
{
    /// <summary>How many seconds of history are kept and can be asked for.</summary>
    public const int WindowSeconds = 300;

    /// <summary>How many recent failed delivery attempts are kept.</summary>
    public const int FailureCapacity = 50;

    private readonly Lock gate = new();
    private readonly SecondCounts[] ring = new SecondCounts[WindowSeconds];
    private readonly FailedAttempt[] failures = new FailedAttempt[FailureCapacity];
    private readonly NextDueIndex nextDue;
    private int failureCount;
    private int failureNext;
    private long latestSecond;
    private long snapshotInstalledAtUnixMs;

    /// <param name="observingSinceUnixMs">When this node started counting.</param>
    /// <param name="clock">
    /// Spaces out the next-due index's passes over the whole state (<see cref="NextDueIndex.MinFullPassInterval"/>);
    /// the system clock when null.
    /// </param>
    public ActivityTracker(long observingSinceUnixMs, TimeProvider? clock = null)
    {
        ObservingSinceUnixMs = observingSinceUnixMs;
        nextDue = new NextDueIndex(clock ?? TimeProvider.System);
    }

    /// <summary>When this node started counting (its clock): earlier seconds read as zero here.</summary>
    public long ObservingSinceUnixMs { get; }

    /// <summary>The stamp of the last applied entry when a snapshot replaced the state; 0 if none did since the start.</summary>
    public long SnapshotInstalledAtUnixMs
    {
        get
        {
            lock (gate)
                return snapshotInstalledAtUnixMs;
        }
    }

    /// <inheritdoc />
    public void Applied(long index, long stampUnixMs, IReadOnlyList<TimerCommand> commands, IReadOnlyList<CommandResult> results,
        IReadOnlyList<TimerEvent> events)
    {
        nextDue.Applied(stampUnixMs, events);
        var second = Math.DivRem(stampUnixMs, 1000, out var remainder) - (remainder < 0 ? 1 : 0);
        lock (gate)
        {
            ref var counts = ref Bucket(second, out var current);
            for (var i = 0; i < commands.Count && i < results.Count; i++)
            {
                if (results[i].Outcome != CommandOutcome.Applied)
                    continue;
                switch (commands[i])
                {
                    case CreateTimer:
                        counts.Creates += current ? 1 : 0;
                        break;
                    case UpdateTimer:
                        counts.Updates += current ? 1 : 0;
                        break;
                    case CancelTimer:
                        counts.Cancels += current ? 1 : 0;
                        break;
                    case FireTimer when current:
                        var latenessMs = Math.Max(0, stampUnixMs - results[i].DueAtUnixMs);
                        counts.Fires++;
                        counts.LatenessSumMs += latenessMs;
                        counts.LatenessMaxMs = Math.Max(counts.LatenessMaxMs, latenessMs);
                        break;
                    case RecordDelivery { Outcome: DeliveryOutcome.Delivered }:
                        counts.Deliveries += current ? 1 : 0;
                        break;
                    case RecordDelivery failed:
                        counts.FailedAttempts += current ? 1 : 0;
                        counts.FailedTimers += current && failed.Outcome == DeliveryOutcome.Failed ? 1 : 0;
                        RememberFailure(stampUnixMs, failed);
                        break;
                }
            }
        }
    }

    /// <inheritdoc />
    public void StateReplaced()
    {
        nextDue.StateReplaced();
        lock (gate)
            snapshotInstalledAtUnixMs = Math.Max(latestSecond * 1000, ObservingSinceUnixMs);
    }

    /// <summary>
    /// The pending timer due first (null when none is pending) and true, or false when it is not known right now (the
    /// index must be rebuilt by a pass over the whole state, and one was made less than
    /// <see cref="NextDueIndex.MinFullPassInterval"/> ago). Call only under the store's lock, through
    /// <c>store.Read(state => ...)</c>: the index it keeps follows the state that lock guards.
    /// </summary>
    public bool TryNextDue(TimerStateMachine state, out TimerRecord? next) => nextDue.TryPeek(state, out next);

    /// <summary>The next-due index, for tests of its upkeep.</summary>
    internal NextDueIndex NextDueIndex => nextDue;

    /// <summary>
    /// The last <paramref name="seconds"/> seconds (1 to <see cref="WindowSeconds"/>) up to the later of
    /// <paramref name="nowUnixMs"/> and the last stamp seen, oldest first, and the recent failures, newest first.
    /// </summary>
    public ActivityWindow Window(long nowUnixMs, int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, WindowSeconds);
        var counts = new SecondCounts[seconds];
        FailedAttempt[] recent;
        long end;
        lock (gate)
        {
            end = Math.Max(Math.DivRem(nowUnixMs, 1000).Quotient, latestSecond);
            for (var i = 0; i < seconds; i++)
            {
                var second = end - seconds + 1 + i;
                var bucket = ring[Slot(second)];
                counts[i] = bucket.Second == second ? bucket : default;
            }

            recent = new FailedAttempt[failureCount];
            for (var i = 0; i < failureCount; i++)
                recent[i] = failures[(failureNext - 1 - i + FailureCapacity) % FailureCapacity];
        }

        return new ActivityWindow(end - seconds + 1, counts, recent);
    }

    /// <summary>
    /// The bucket of <paramref name="second"/>: a slot that held an older second is reset and reused. An entry older
    /// than what its slot holds now (more than the window behind the newest) is not counted (<paramref name="current"/> false).
    /// </summary>
    private ref SecondCounts Bucket(long second, out bool current)
    {
        ref var bucket = ref ring[Slot(second)];
        current = bucket.Second <= second;
        if (bucket.Second < second)
            bucket = new SecondCounts { Second = second };
        latestSecond = Math.Max(latestSecond, second);
        return ref bucket;
    }

    private static int Slot(long second) => (int)(((second % WindowSeconds) + WindowSeconds) % WindowSeconds);

    private void RememberFailure(long stampUnixMs, RecordDelivery failed)
    {
        var error = failed.Error is { Length: > TimerLimits.MaxErrorLength } text ? text[..TimerLimits.MaxErrorLength] : failed.Error;
        failures[failureNext] = new FailedAttempt(stampUnixMs, failed.TimerId, failed.Version, failed.Attempt,
            failed.Outcome == DeliveryOutcome.Failed, error ?? "");
        failureNext = (failureNext + 1) % FailureCapacity;
        failureCount = Math.Min(failureCount + 1, FailureCapacity);
    }
}

/// <summary>What the applied entries stamped in one second did.</summary>
public struct SecondCounts
{
    /// <summary>Unix seconds of the leader's stamp.</summary>
    public long Second;
    public long Creates;
    public long Updates;
    public long Cancels;
    public long Fires;
    public long Deliveries;

    /// <summary>Delivery attempts that failed, retried or final.</summary>
    public long FailedAttempts;

    /// <summary>Timers that ended failed (their last attempt failed).</summary>
    public long FailedTimers;
    public long LatenessSumMs;
    public long LatenessMaxMs;

    public readonly long LatenessAvgMs => Fires == 0 ? 0 : LatenessSumMs / Fires;
}

/// <summary>One failed delivery attempt as the log recorded it; <paramref name="Final"/> when the timer ended failed.</summary>
public sealed record FailedAttempt(long StampUnixMs, string TimerId, long Version, int Attempt, bool Final, string Error);

/// <summary>Per-second counts from <paramref name="FirstSecond"/> (Unix seconds) on, and recent failures, newest first.</summary>
public sealed record ActivityWindow(long FirstSecond, SecondCounts[] Seconds, FailedAttempt[] RecentFailures);

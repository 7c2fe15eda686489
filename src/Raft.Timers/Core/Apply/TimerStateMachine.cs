using System.Runtime.InteropServices;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Core.Apply;

/// <summary>
/// The timers, as a pure function of the Raft log (docs/design.md invariant 1). <see cref="Apply"/> reads
/// no clock, no randomness and does no I/O: time enters only as the leader's stamp inside each entry.
/// Every node that applies the same entries in the same order holds the same timers.
/// </summary>
/// <remarks>
/// Not thread-safe. The Raft glue calls <see cref="Apply"/> from the single apply loop and guards
/// reads from other threads with one lock around this object.
/// </remarks>
public sealed partial class TimerStateMachine
{
    private readonly Dictionary<string, TimerRecord> timers = new(StringComparer.Ordinal);
    private readonly SortedIdIndex idsInOrder = new();

    // Ids of timers in Firing, and of failed timers whose dead-letter notice is pending: what the leader owes a delivery.
    // The leader's delivery sweep reads these without scanning every timer.
    // Firing timers in the order they were fired (the fire's log index, then the id): the leader offers them to its
    // deliveries oldest first, a bounded slice at a time (SomeFiring).
    private readonly SortedSet<(long FiredAtIndex, string Id)> firingIds = new(FiringOrder.Instance);

    // Finished timers in purge order (finish stamp, then id): purging is a walk from the front.
    private readonly FinishedOrder finishedInOrder = new();

    /// <summary>Failed timers in purge order, apart from the others: they may be kept longer (<see cref="PurgeFinished.FailedRetentionMs"/>).</summary>
    private readonly FinishedOrder failedInOrder = new();

    /// <summary>
    /// Entries of <see cref="finishedInOrder"/> whose timer was re-driven since it finished there: skipped when a purge
    /// reaches them, and not counted as finished. A snapshot holds none (restoring rebuilds the order from the records),
    /// so what counts must not depend on them: see <see cref="FinishedCount"/>.
    /// </summary>
    private readonly Dictionary<(string Id, long FinishedAtUnixMs), int> unfinishedAgain = [];

    /// <summary>How many entries <see cref="unfinishedAgain"/> counts, all keys together: one key may stand for several (a timer that failed, was re-driven and failed again within one millisecond).</summary>
    private int unfinishedAgainCount;

    /// <summary>The index of the last log entry applied (including skipped configuration and empty entries).</summary>
    public long LastAppliedIndex { get; private set; }

    /// <summary>
    /// The largest entry stamp applied so far. A new leader waits until its clock passes it before
    /// firing anything, and never stamps an entry below it (invariant 2).
    /// </summary>
    public long LastStampUnixMs { get; private set; }

    public int PendingCount { get; private set; }

    /// <summary>What the pending timers hold (<see cref="RetainedBytes"/> of each): the edge refuses creates beyond a limit of it.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>Finished (delivered, failed, cancelled) timers kept for reading until they are purged.</summary>
    public int FinishedCount => finishedInOrder.Count + failedInOrder.Count - unfinishedAgainCount;

    /// <summary>What the finished timers hold (<see cref="RetainedBytes"/> of each), bounded by a purge with bounds.</summary>
    public long FinishedBytes { get; private set; }

    /// <summary>
    /// The bytes a timer keeps on every node beyond its fixed-size fields: id, callback URI, data and last error. The
    /// memory a record takes is this plus a constant; the limits on pending and finished timers count it.
    /// </summary>
    public static long RetainedBytes(TimerRecord record)
        => RetainedBytes(record.Id, record.Spec) + (record.LastError?.Length ?? 0) + (record.DeadLetterError?.Length ?? 0);

    /// <summary>What a timer <paramref name="id"/> with <paramref name="spec"/> keeps before it has an error: what a create adds to the pending bytes.</summary>
    public static long RetainedBytes(string id, TimerSpec spec)
        => id.Length + spec.Callback.UriUtf8.Length + spec.Data.Utf8.Length + (spec.Headers?.Bytes ?? 0) + (spec.DeadLetter?.UriUtf8.Length ?? 0);

    public int Count => timers.Count;

    /// <summary>Decodes and applies one entry; a corrupt entry throws before anything changes.</summary>
    public void Apply(long index, ReadOnlySpan<byte> payload, IList<CommandResult>? results = null, ICollection<TimerEvent>? events = null)
        => Apply(index, LogEntryCodec.Decode(payload), results, events);

    /// <summary>
    /// Applies the commands of entry <paramref name="index"/> in order. Results (one per command, in
    /// order) go to <paramref name="results"/> when given; what the leader must act on goes to
    /// <paramref name="events"/> when given.
    /// </summary>
    public void Apply(long index, TimerLogEntry entry, IList<CommandResult>? results = null, ICollection<TimerEvent>? events = null)
    {
        AdvanceIndex(index);

        // A deposed leader with a fast clock may have stamped entries ahead of the new leader's clock.
        // Clamping keeps applied time monotonic on every node alike, since it depends only on the log.
        var stamp = Math.Max(entry.StampUnixMs, LastStampUnixMs);
        LastStampUnixMs = stamp;

        foreach (var command in entry.Commands)
        {
            var result = ApplyCommand(command, index, stamp, events);
            results?.Add(result);
        }
    }

    /// <summary>Records that entry <paramref name="index"/> carried no timer commands (membership change or a new term's no-op).</summary>
    public void Skip(long index) => AdvanceIndex(index);

    private void AdvanceIndex(long index)
    {
        InvariantViolationException.ThrowIf(index <= LastAppliedIndex,
            $"entry {index} applied after entry {LastAppliedIndex}: applied indexes must increase");
        LastAppliedIndex = index;
    }

    private CommandResult ApplyCommand(TimerCommand command, long index, long stamp, ICollection<TimerEvent>? events) => command switch
    {
        CreateTimer create => Create(create, stamp, events),
        UpdateTimer update => Update(update, stamp, events),
        CancelTimer cancel => Cancel(cancel, stamp, events),
        PauseTimer pause => Pause(pause, events),
        ResumeTimer resume => Resume(resume, events),
        RedriveTimer redrive => Redrive(redrive, events),
        FireTimer fire => Fire(fire, index, stamp, events),
        RecordDelivery delivery => RecordDelivery(delivery, stamp, events),
        PurgeFinished purge => Purge(purge, stamp, events),
        _ => throw new InvariantViolationException($"no rule for command {command.GetType().Name}"),
    };

    private CommandResult Create(CreateTimer command, long stamp, ICollection<TimerEvent>? events)
    {
        if (timers.TryGetValue(command.TimerId, out var existing))
        {
            return existing.Spec.SameAs(command.Spec)
                ? new CommandResult(CommandOutcome.AlreadyApplied, existing.Version, existing.DueAtUnixMs)
                : new CommandResult(CommandOutcome.Conflict, existing.Version, existing.DueAtUnixMs,
                    "a timer with this id exists with a different body");
        }

        var first = FirstDue(command.Spec, stamp);
        var due = first ?? stamp;
        var record = new TimerRecord(command.TimerId, 1, TimerStatus.Pending, stamp, due, command.Spec, 0, null, 0)
        {
            Occurrence = command.Spec.Schedule is null ? 0 : 1,
            Trace = command.Trace,
        };
        timers.Add(record.Id, record);
        idsInOrder.Add(record.Id);
        PendingCount++;
        PendingBytes += RetainedBytes(record);
        if (first is null)
        {
            // The parser refuses a schedule without an occurrence; one whose end passed before the create applied still replays the same everywhere.
            Finish(record with { Status = TimerStatus.Cancelled, FinishedAtUnixMs = stamp, LastError = NoOccurrence });
            return new CommandResult(CommandOutcome.Applied, record.Version, due, NoOccurrence);
        }

        events?.Add(new TimerScheduled(record.Id, record.Version, due));
        return new CommandResult(CommandOutcome.Applied, record.Version, due);
    }

    private CommandResult Update(UpdateTimer command, long stamp, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing) || !existing.Status.IsWaiting())
            return new CommandResult(CommandOutcome.NotFound, Reason: "no pending timer has this id");
        if (command.ExpectedVersion is { } expected && expected != existing.Version)
            return new CommandResult(CommandOutcome.Conflict, existing.Version, existing.DueAtUnixMs, $"the timer is at version {existing.Version}, not {expected}");

        var first = FirstDue(command.Spec, stamp);
        var due = first ?? stamp;
        var record = existing with
        {
            Version = existing.Version + 1, Spec = command.Spec, DueAtUnixMs = due, FiredAtIndex = 0, FireCount = 0,
            Occurrence = command.Spec.Schedule is null ? 0 : 1, Redrives = 0, Trace = command.Trace,
        };
        timers[record.Id] = record;
        PendingBytes += RetainedBytes(record) - RetainedBytes(existing);
        if (first is null)
        {
            Finish(record with { Status = TimerStatus.Cancelled, FinishedAtUnixMs = stamp, LastError = NoOccurrence });
            events?.Add(new TimerUnscheduled(record.Id));
            return new CommandResult(CommandOutcome.Applied, record.Version, due, NoOccurrence);
        }

        // A paused timer stays paused with its new spec: nothing for the wheel until it is resumed.
        if (record.Status == TimerStatus.Pending)
            events?.Add(new TimerScheduled(record.Id, record.Version, due));
        return new CommandResult(CommandOutcome.Applied, record.Version, due);
    }

    private CommandResult Pause(PauseTimer command, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing) || !existing.Status.IsWaiting())
            return new CommandResult(CommandOutcome.NotFound, Reason: "no pending timer has this id");
        if (existing.Status == TimerStatus.Paused)
            return new CommandResult(CommandOutcome.AlreadyApplied, existing.Version, existing.DueAtUnixMs);

        timers[existing.Id] = existing with { Status = TimerStatus.Paused };
        events?.Add(new TimerUnscheduled(existing.Id));
        return new CommandResult(CommandOutcome.Applied, existing.Version, existing.DueAtUnixMs);
    }

    private CommandResult Resume(ResumeTimer command, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing) || !existing.Status.IsWaiting())
            return new CommandResult(CommandOutcome.NotFound, Reason: "no paused timer has this id");
        if (existing.Status == TimerStatus.Pending)
            return new CommandResult(CommandOutcome.AlreadyApplied, existing.Version, existing.DueAtUnixMs);

        // Due as before: one whose time passed while it was paused fires at once (a schedule's misfire policy then applies).
        timers[existing.Id] = existing with { Status = TimerStatus.Pending };
        events?.Add(new TimerScheduled(existing.Id, existing.Version, existing.DueAtUnixMs));
        return new CommandResult(CommandOutcome.Applied, existing.Version, existing.DueAtUnixMs);
    }

    private CommandResult Redrive(RedriveTimer command, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing) || existing.Status != TimerStatus.Failed)
            return new CommandResult(CommandOutcome.NotFound, Reason: "no failed timer has this id");

        // The same firing, attempted again: same version, fire index and key, so a receiver that saw an attempt dedups it.
        CollectionsMarshal.GetValueRefOrAddDefault(unfinishedAgain, (existing.Id, existing.FinishedAtUnixMs), out _)++;
        unfinishedAgainCount++;
        FinishedBytes -= RetainedBytes(existing);
        // A notice of the run that failed is no longer owed (one that was under way may still arrive): this run may succeed.
        var again = existing with
        {
            Status = TimerStatus.Firing, Attempts = 0, FinishedAtUnixMs = 0, Redrives = existing.Redrives + 1,
            DeadLetter = DeadLetterState.None, DeadLetterAttempts = 0, DeadLetterError = null,
        };
        timers[again.Id] = again;
        firingIds.Add((again.FiredAtIndex, again.Id));
        events?.Add(new TimerFired(again.Id, again.Version));
        return new CommandResult(CommandOutcome.Applied, again.Version, again.DueAtUnixMs);
    }

    private CommandResult Cancel(CancelTimer command, long stamp, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing))
            return new CommandResult(CommandOutcome.NotFound, Reason: "no pending timer has this id");
        // A repeated cancel (a client's retry after a lost answer) hears the same "cancelled" as the first, not a 404
        // that would make it look as if the timer had fired.
        if (existing.Status == TimerStatus.Cancelled)
            return new CommandResult(CommandOutcome.AlreadyApplied, existing.Version, existing.DueAtUnixMs);
        // A repeating timer may be cancelled while it fires: no later occurrence follows (the one under way may still arrive).
        if (!existing.Status.IsWaiting() && !(existing.Status == TimerStatus.Firing && existing.Spec.Schedule is not null))
            return new CommandResult(CommandOutcome.NotFound, Reason: "no pending timer has this id");

        Finish(existing with { Status = TimerStatus.Cancelled, FinishedAtUnixMs = stamp });
        events?.Add(new TimerUnscheduled(existing.Id));
        return new CommandResult(CommandOutcome.Applied, existing.Version, existing.DueAtUnixMs);
    }

    private CommandResult Fire(FireTimer command, long index, long stamp, ICollection<TimerEvent>? events)
    {
        // The fire entry is a logged pulse: it re-checks everything, so a deposed leader's late fire,
        // a fire of an updated version or a fire after a cancel is a harmless no-op (invariants 3 and 5).
        if (!timers.TryGetValue(command.TimerId, out var existing))
            return new CommandResult(CommandOutcome.NotFound);
        if (existing.Status != TimerStatus.Pending || existing.Version != command.Version)
            return new CommandResult(CommandOutcome.Stale, existing.Version, existing.DueAtUnixMs);
        if (existing.DueAtUnixMs > stamp)
            return new CommandResult(CommandOutcome.Stale, existing.Version, existing.DueAtUnixMs, "not due at the entry's stamp");
        if (existing.Spec.Schedule is { Misfire: MisfirePolicy.Skip } schedule && stamp - existing.DueAtUnixMs > TimerSchedule.MisfireGraceMs)
            return SkipMissed(existing, schedule, stamp, events);
        // One firing stands for every occurrence missed so far: the latest of them, so the next one is ahead of now.
        if (existing.Spec.Schedule is { Misfire: MisfirePolicy.FireOnce } once && stamp - existing.DueAtUnixMs > TimerSchedule.MisfireGraceMs)
            existing = existing with { DueAtUnixMs = once.LastAtOrBefore(stamp, existing.DueAtUnixMs) };

        timers[existing.Id] = existing with { Status = TimerStatus.Firing, FiredAtIndex = index, FireCount = existing.FireCount + 1 };
        firingIds.Add((index, existing.Id));
        PendingCount--;
        PendingBytes -= RetainedBytes(existing);
        events?.Add(new TimerFired(existing.Id, existing.Version));
        return new CommandResult(CommandOutcome.Applied, existing.Version, existing.DueAtUnixMs);
    }

    private CommandResult RecordDelivery(RecordDelivery command, long stamp, ICollection<TimerEvent>? events)
    {
        if (!timers.TryGetValue(command.TimerId, out var existing))
            return new CommandResult(CommandOutcome.NotFound);
        if (command.DeadLetter)
            return RecordDeadLetter(command, existing);
        if (existing.Status != TimerStatus.Firing || existing.Version != command.Version || existing.Occurrence != command.Occurrence
            || existing.Redrives != command.Run
            || (command.Outcome == DeliveryOutcome.Retry && command.Attempt <= existing.Attempts))
            return new CommandResult(CommandOutcome.Stale, existing.Version, existing.DueAtUnixMs);

        var error = Truncate(command.Error);
        var record = existing with { Attempts = Math.Max(existing.Attempts, command.Attempt), LastError = error ?? existing.LastError };
        switch (command.Outcome)
        {
            case DeliveryOutcome.Retry:
                timers[record.Id] = record;
                break;
            case DeliveryOutcome.Delivered or DeliveryOutcome.Failed
                when record.Spec.Schedule is { } schedule && schedule.NextAfterFiring(record.DueAtUnixMs, record.Occurrence, stamp) is { } next:
                // The firing ended and the schedule goes on: pending again, for its next occurrence, from the due time that fired.
                firingIds.Remove((existing.FiredAtIndex, existing.Id));
                var again = record with { Status = TimerStatus.Pending, DueAtUnixMs = next, Occurrence = record.Occurrence + 1, Attempts = 0, FiredAtIndex = 0, FireCount = 0, Redrives = 0 };
                timers[again.Id] = again;
                PendingCount++;
                PendingBytes += RetainedBytes(again);
                events?.Add(new TimerScheduled(again.Id, again.Version, next));
                return new CommandResult(CommandOutcome.Applied, again.Version, next);
            case DeliveryOutcome.Delivered:
                Finish(record with { Status = TimerStatus.Delivered, FinishedAtUnixMs = stamp });
                break;
            case DeliveryOutcome.Failed when record.Spec.DeadLetter is not null:
                // Failed, and its notice owed: the leader finds it among the deliveries owed until the notice's result is recorded.
                Finish(record with { Status = TimerStatus.Failed, FinishedAtUnixMs = stamp, DeadLetter = DeadLetterState.Pending });
                firingIds.Add((record.FiredAtIndex, record.Id));
                break;
            case DeliveryOutcome.Failed:
                Finish(record with { Status = TimerStatus.Failed, FinishedAtUnixMs = stamp });
                break;
            default:
                throw new InvariantViolationException($"unknown delivery outcome {command.Outcome}");
        }

        return new CommandResult(CommandOutcome.Applied, record.Version, record.DueAtUnixMs);
    }

    /// <summary>
    /// The result of an attempt of a failed timer's dead-letter notice. Applies only while that run's notice is pending,
    /// like a firing's result: a retry needs a newer attempt, and a delivered or failed notice ends it whatever the attempt.
    /// </summary>
    private CommandResult RecordDeadLetter(RecordDelivery command, TimerRecord existing)
    {
        if (existing.Status != TimerStatus.Failed || existing.DeadLetter != DeadLetterState.Pending || existing.Version != command.Version
            || existing.Occurrence != command.Occurrence || existing.Redrives != command.Run
            || (command.Outcome == DeliveryOutcome.Retry && command.Attempt <= existing.DeadLetterAttempts))
            return new CommandResult(CommandOutcome.Stale, existing.Version, existing.DueAtUnixMs);

        var record = existing with
        {
            DeadLetterAttempts = Math.Max(existing.DeadLetterAttempts, command.Attempt),
            DeadLetterError = Truncate(command.Error) ?? existing.DeadLetterError,
            DeadLetter = command.Outcome switch
            {
                DeliveryOutcome.Retry => DeadLetterState.Pending,
                DeliveryOutcome.Delivered => DeadLetterState.Delivered,
                DeliveryOutcome.Failed => DeadLetterState.Failed,
                _ => throw new InvariantViolationException($"unknown delivery outcome {command.Outcome}"),
            },
        };
        timers[record.Id] = record;
        FinishedBytes += RetainedBytes(record) - RetainedBytes(existing);
        if (record.DeadLetter != DeadLetterState.Pending)
            firingIds.Remove((record.FiredAtIndex, record.Id));
        return new CommandResult(CommandOutcome.Applied, record.Version, record.DueAtUnixMs);
    }

    /// <summary>
    /// Removes finished timers oldest first: those past the retention and, with bounds, those beyond the bounds' limits
    /// whatever their age, at most the bounds' slice per entry (the leader proposes another while a slice was full).
    /// </summary>
    private CommandResult Purge(PurgeFinished command, long stamp, ICollection<TimerEvent>? events)
    {
        var cutoff = stamp - command.RetentionMs;
        var failedCutoff = command.FailedRetentionMs is { } failedRetention ? stamp - failedRetention : cutoff;
        var bounds = command.Bounds;
        var slice = bounds?.MaxPerEntry ?? int.MaxValue;
        var purged = 0;
        while (purged < slice)
        {
            // Of the two queues' oldest, the older goes first when both may go: with one retention for all, this is
            // exactly the order of a single queue by finish time, so logs written before failed timers had their own
            // retention purge as they did.
            var over = bounds is not null && (FinishedCount > bounds.MaxTimers || FinishedBytes > bounds.MaxBytes);
            var doneDue = OldestFinished(finishedInOrder, out var done) && (over || done.FinishedAtUnixMs <= cutoff);
            // A failed timer whose notice is still owed stays, and those behind it wait: its notice ends within its attempts.
            // (A purge that so removes nothing while over the bounds makes the leader wait an interval: LeaderStep.PurgeEnded.)
            var failedDue = OldestFinished(failedInOrder, out var failed) && (over || failed.FinishedAtUnixMs <= failedCutoff)
                && timers[failed.Id].DeadLetter != DeadLetterState.Pending;
            if (!doneDue && !failedDue)
                break;
            var fromFailed = failedDue && (!doneDue || failed.FinishedAtUnixMs < done.FinishedAtUnixMs
                || (failed.FinishedAtUnixMs == done.FinishedAtUnixMs && string.CompareOrdinal(failed.Id, done.Id) < 0));
            var oldest = fromFailed ? failed : done;
            (fromFailed ? failedInOrder : finishedInOrder).Dequeue();
            var record = timers[oldest.Id];
            InvariantViolationException.ThrowIf(!record.Status.IsFinished() || record.FinishedAtUnixMs != oldest.FinishedAtUnixMs,
                $"timer {oldest.Id} is queued as finished at {oldest.FinishedAtUnixMs} but is {record.Status} since {record.FinishedAtUnixMs}");
            timers.Remove(oldest.Id);
            idsInOrder.Remove(oldest.Id);
            FinishedBytes -= RetainedBytes(record);
            events?.Add(new TimerPurged(record.Id, record.Version));
            purged++;
        }

        return new CommandResult(purged > 0 ? CommandOutcome.Applied : CommandOutcome.AlreadyApplied, Purged: purged);
    }

    /// <summary>The oldest entry of <paramref name="queue"/> that is still finished there, dropping those of re-driven timers on the way.</summary>
    private bool OldestFinished(FinishedOrder queue, out (string Id, long FinishedAtUnixMs) oldest)
    {
        while (queue.TryPeek(out oldest))
        {
            if (!unfinishedAgain.TryGetValue(oldest, out var marks))
                return true;
            if (marks == 1)
                unfinishedAgain.Remove(oldest);
            else
                unfinishedAgain[oldest] = marks - 1;
            unfinishedAgainCount--;
            queue.Dequeue(); // re-driven since it finished there: its record finished again later, or is firing
        }

        return false;
    }

    /// <summary>The <c>lastError</c> of a repeating timer that ended because its schedule had no occurrence left to fire.</summary>
    public const string NoOccurrence = "the schedule has no occurrence left";

    /// <summary>The reason of a fire that did not fire: the occurrence was missed and its schedule skips those.</summary>
    public const string SkippedReason = "missed occurrence skipped";

    /// <summary>When a timer created or replaced with <paramref name="spec"/> at <paramref name="stamp"/> is first due; null for a schedule with no occurrence.</summary>
    private static long? FirstDue(TimerSpec spec, long stamp) => spec.Schedule is { } schedule ? schedule.First(stamp) : spec.DueFrom(stamp);

    /// <summary>A missed occurrence of a schedule that skips them: no firing; pending for the next occurrence ahead, or ended when none is left.</summary>
    private CommandResult SkipMissed(TimerRecord existing, TimerSchedule schedule, long stamp, ICollection<TimerEvent>? events)
    {
        if (schedule.SkipFrom(stamp, existing.DueAtUnixMs) is { } next)
        {
            timers[existing.Id] = existing with { DueAtUnixMs = next };
            events?.Add(new TimerScheduled(existing.Id, existing.Version, next));
            return new CommandResult(CommandOutcome.Applied, existing.Version, next, SkippedReason);
        }

        Finish(existing with { Status = TimerStatus.Cancelled, FinishedAtUnixMs = stamp, LastError = NoOccurrence });
        events?.Add(new TimerUnscheduled(existing.Id));
        return new CommandResult(CommandOutcome.Applied, existing.Version, existing.DueAtUnixMs, NoOccurrence);
    }

    private void Finish(TimerRecord record)
    {
        var previous = timers[record.Id];
        InvariantViolationException.ThrowIf(previous.Status.IsFinished(), $"timer {record.Id} finished twice");
        if (previous.Status.IsWaiting())
        {
            PendingCount--;
            PendingBytes -= RetainedBytes(previous);
        }
        else if (previous.Status == TimerStatus.Firing)
            firingIds.Remove((previous.FiredAtIndex, previous.Id));
        timers[record.Id] = record;
        (record.Status == TimerStatus.Failed ? failedInOrder : finishedInOrder).Add(record.Id, record.FinishedAtUnixMs);
        FinishedBytes += RetainedBytes(record);
    }

    // Never ends the text between the halves of a surrogate pair: a lone surrogate does not survive
    // the snapshot's UTF-8, so a restored node would hold different text than the live ones.
    private static string? Truncate(string? error)
        => error is { Length: > TimerLimits.MaxErrorLength }
            ? error[..(char.IsHighSurrogate(error[TimerLimits.MaxErrorLength - 1]) ? TimerLimits.MaxErrorLength - 1 : TimerLimits.MaxErrorLength)]
            : error;
}

/// <summary>Orders firing timers by the index of their fire entry, then by id (ordinal).</summary>
internal sealed class FiringOrder : IComparer<(long FiredAtIndex, string Id)>
{
    public static readonly FiringOrder Instance = new();

    public int Compare((long FiredAtIndex, string Id) x, (long FiredAtIndex, string Id) y)
    {
        var byIndex = x.FiredAtIndex.CompareTo(y.FiredAtIndex);
        return byIndex != 0 ? byIndex : string.CompareOrdinal(x.Id, y.Id);
    }
}

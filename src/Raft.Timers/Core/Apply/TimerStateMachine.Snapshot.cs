using RaftTimers.Core.Model;

namespace RaftTimers.Core.Apply;

public sealed partial class TimerStateMachine
{
    /// <summary>
    /// A frozen copy of the whole state, timers in id order: O(timers) reference copies and no serialisation, so the
    /// caller (the Raft glue, under the store lock) holds up applies for milliseconds, not for the snapshot's write.
    /// </summary>
    public SnapshotImage Capture()
    {
        var records = new TimerRecord[timers.Count];
        var i = 0;
        foreach (var id in idsInOrder.After(null))
            records[i++] = timers[id];
        return new SnapshotImage(LastAppliedIndex, LastStampUnixMs, records);
    }

    /// <summary>
    /// Replaces the whole state with a snapshot's content. The finished order is rebuilt by (finish stamp, id), the order
    /// applying entries gives it (<see cref="FinishedOrder"/>), so a restored node purges exactly what the others do.
    /// </summary>
    internal void Load(long lastAppliedIndex, long lastStampUnixMs, IEnumerable<TimerRecord> records)
    {
        timers.Clear();
        idsInOrder.Clear();
        finishedInOrder.Clear();
        failedInOrder.Clear();
        unfinishedAgain.Clear();
        unfinishedAgainCount = 0;
        firingIds.Clear();
        PendingCount = 0;
        PendingBytes = 0;
        FinishedBytes = 0;
        if (records is ICollection<TimerRecord> known)
            timers.EnsureCapacity(known.Count); // one table of the right size instead of a dozen doublings

        var finished = new List<TimerRecord>();
        foreach (var record in records)
        {
            InvariantViolationException.ThrowIf(!timers.TryAdd(record.Id, record), $"snapshot holds timer {record.Id} twice");
            idsInOrder.Add(record.Id);
            if (record.Status.IsWaiting())
            {
                PendingCount++;
                PendingBytes += RetainedBytes(record);
            }
            else if (record.Status == TimerStatus.Firing)
                firingIds.Add((record.FiredAtIndex, record.Id));
            else if (record.Status.IsFinished())
            {
                finished.Add(record);
                if (record.DeadLetter == DeadLetterState.Pending)
                    firingIds.Add((record.FiredAtIndex, record.Id));
            }
        }

        finished.Sort(static (a, b) => a.FinishedAtUnixMs != b.FinishedAtUnixMs
            ? a.FinishedAtUnixMs.CompareTo(b.FinishedAtUnixMs)
            : string.CompareOrdinal(a.Id, b.Id));
        foreach (var record in finished)
        {
            (record.Status == TimerStatus.Failed ? failedInOrder : finishedInOrder).Add(record.Id, record.FinishedAtUnixMs);
            FinishedBytes += RetainedBytes(record);
        }

        LastAppliedIndex = lastAppliedIndex;
        LastStampUnixMs = lastStampUnixMs;
    }
}

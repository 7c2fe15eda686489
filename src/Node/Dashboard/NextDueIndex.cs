using RaftTimers.Model;
using RaftTimers.StateMachine;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// Which pending timer is due first, without scanning every timer on each question: a min-heap of (due time, id,
/// version) fed by the <see cref="TimerScheduled"/> events apply emits on every node. Entries are not removed when a
/// timer fires, is cancelled or is replaced; a question drops the stale ones it finds on top (the state says whether
/// the timer is still pending at that version), so each entry is removed once, at O(log n).
/// </summary>
/// <remarks>
/// <para>
/// Built only when first asked, from one pass over the state, so a node whose dashboard nobody opens pays neither
/// the memory (about 24 bytes per pending timer, ids shared with the state) nor the work. It is dropped again when
/// nobody has asked for a minute of stamps, when a snapshot replaces the state, and rebuilt when stale entries
/// (cancels and updates of timers due later) outnumber the live ones, which bounds it to twice the pending timers.
/// </para>
/// <para>
/// Every member runs under the store's lock: <see cref="Applied"/> and <see cref="StateReplaced"/> are called by the
/// store's apply hook, <see cref="Peek"/> through <c>store.Read</c>. That lock is what keeps the heap and the state
/// it follows in step.
/// </para>
/// </remarks>
internal sealed class NextDueIndex
{
    /// <summary>Stamps without a question after which the index is dropped (its memory freed).</summary>
    private const long IdleMs = 60_000;

    /// <summary>Stale entries tolerated beyond the live ones before a rebuild.</summary>
    private const int Slack = 4096;

    private PriorityQueue<(string Id, long Version), long>? heap;
    private long askedAtStampUnixMs;

    public void Applied(long stampUnixMs, IReadOnlyList<TimerEvent> events)
    {
        if (heap is null)
            return;
        if (stampUnixMs - askedAtStampUnixMs > IdleMs)
        {
            heap = null;
            return;
        }

        foreach (var e in events)
        {
            if (e is TimerScheduled scheduled)
                heap.Enqueue((scheduled.TimerId, scheduled.Version), scheduled.DueAtUnixMs);
        }
    }

    public void StateReplaced() => heap = null;

    public TimerRecord? Peek(TimerStateMachine state)
    {
        askedAtStampUnixMs = state.LastStampUnixMs;
        if (heap is null || heap.Count > 2L * state.PendingCount + Slack)
            heap = Build(state);
        while (heap.TryPeek(out var top, out _))
        {
            var record = state.Find(top.Id);
            if (record is { Status: TimerStatus.Pending } && record.Version == top.Version)
                return record;
            heap.Dequeue();
        }

        return null;
    }

    /// <summary>One pass over the state; the queue heapifies the items at once (linear time).</summary>
    private static PriorityQueue<(string Id, long Version), long> Build(TimerStateMachine state) => new(Pending(state));

    private static IEnumerable<((string Id, long Version), long)> Pending(TimerStateMachine state)
    {
        foreach (var record in state.All)
        {
            if (record.Status == TimerStatus.Pending)
                yield return ((record.Id, record.Version), record.DueAtUnixMs);
        }
    }
}

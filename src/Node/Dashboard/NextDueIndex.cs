using RaftTimers.Core.Apply;
using RaftTimers.Core.Model;

namespace RaftTimers.Node.Dashboard;

/// <summary>
/// Which pending timer is due first, without scanning every timer on each question: a min-heap of (due time, id,
/// version) fed by the <see cref="TimerScheduled"/> events apply emits on every node. Entries are not removed when a
/// timer fires, is cancelled or is replaced; a question drops the stale ones it finds on top (an entry is live while
/// the state holds that timer pending at that version with that due time), so each entry is removed once, at O(log n).
/// </summary>
/// <remarks>
/// <para>
/// Built only when first asked, so a node whose dashboard nobody opens pays neither the memory (about 24 bytes per
/// pending timer, ids shared with the state) nor the work. The state machine keeps a count of pending timers, not a
/// list of them, so that first build is one pass over every record the state holds (finished ones kept for the
/// retention period included), under the store's lock: it holds up apply for as long as it takes. It therefore
/// happens only when there is no heap to follow the events with — the first question, the first question after the
/// heap was dropped for idleness (<see cref="IdleMs"/> of entry stamps without a question, checked when an entry is
/// applied) or after a snapshot replaced the state — and never more than once per <see cref="MinFullPassInterval"/>
/// of this node's clock: a question that would need another pass sooner gets "not known right now".
/// </para>
/// <para>
/// Stale entries (cancels, fires, and updates of timers not yet on top) stay until they reach the top. When they
/// outnumber the pending timers by more than <see cref="Slack"/>, the next question rebuilds the heap by a pass over
/// the state — within the same <see cref="MinFullPassInterval"/> limit; until a pass is allowed the heap goes on with
/// its stale entries, which only cost memory (about 24 bytes each). The rebuild is a pass over the records, nearly in
/// order, rather than a lookup per heap entry: random lookups into a large state cost more than reading it through.
/// </para>
/// <para>
/// Every member runs under the store's lock: <see cref="Applied"/> and <see cref="StateReplaced"/> are called by the
/// store's apply hook, <see cref="TryPeek"/> through <c>store.Read</c>. That lock is what keeps the heap and the state
/// it follows in step.
/// </para>
/// </remarks>
internal sealed class NextDueIndex(TimeProvider clock)
{
    /// <summary>Milliseconds of entry stamps without a question after which the index is dropped (its memory freed).</summary>
    public const long IdleMs = 60_000;

    /// <summary>Stale entries tolerated beyond the live ones before the heap is rebuilt.</summary>
    public const int Slack = 4096;

    /// <summary>The shortest time between two passes over the whole state.</summary>
    public static readonly TimeSpan MinFullPassInterval = TimeSpan.FromSeconds(30);

    private PriorityQueue<(string Id, long Version), long>? heap;
    private long askedAtStampUnixMs;
    private long? lastFullPassTimestamp;

    /// <summary>Passes over the whole state so far.</summary>
    public int FullPasses { get; private set; }

    /// <summary>Entries in the heap, live and stale; 0 when there is no heap.</summary>
    public int Entries => heap?.Count ?? 0;

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

    /// <summary>
    /// The pending timer due first (null when none is pending) and true; false when it is not known right now: the
    /// heap must be built again and the last pass over the state was less than <see cref="MinFullPassInterval"/> ago.
    /// </summary>
    public bool TryPeek(TimerStateMachine state, out TimerRecord? next)
    {
        askedAtStampUnixMs = state.LastStampUnixMs;
        next = null;
        var tooStale = heap is not null && heap.Count > (2L * state.PendingCount) + Slack;
        if (heap is null || tooStale)
        {
            if (lastFullPassTimestamp is { } last && clock.GetElapsedTime(last) < MinFullPassInterval)
            {
                if (heap is null)
                    return false;
            }
            else
            {
                lastFullPassTimestamp = clock.GetTimestamp();
                heap = Build(state);
                FullPasses++;
            }
        }

        while (heap.TryPeek(out var top, out var dueAtUnixMs))
        {
            if (Live(state, top, dueAtUnixMs) is { } record)
            {
                next = record;
                return true;
            }

            heap.Dequeue();
        }

        return true;
    }

    /// <summary>
    /// The record an entry stands for, when it is still pending at that version and due time. The due time matters:
    /// a timer purged and created again starts at version 1 again, and an entry of the old one must not pass for it.
    /// </summary>
    private static TimerRecord? Live(TimerStateMachine state, (string Id, long Version) entry, long dueAtUnixMs)
        => state.Find(entry.Id) is { Status: TimerStatus.Pending } record && record.Version == entry.Version && record.DueAtUnixMs == dueAtUnixMs
            ? record
            : null;

    /// <summary>One pass over the state, collecting the pending timers into an array the queue heapifies at once (linear time).</summary>
    private static PriorityQueue<(string Id, long Version), long> Build(TimerStateMachine state)
    {
        var pending = state.WithStatus(TimerStatus.Pending);
        var items = new ((string Id, long Version), long)[pending.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = ((pending[i].Id, pending[i].Version), pending[i].DueAtUnixMs);
        return new PriorityQueue<(string Id, long Version), long>(items);
    }
}

using RaftTimers.Core.Apply;

namespace RaftTimers.Cluster.Events;

/// <summary>
/// The lifecycle events of the entries this node applied, newest last, for the event stream (docs/api.md, "Events").
/// It holds the events of every entry applied since the node started (the replay of its log included) or since its
/// state was last replaced by a snapshot, up to <see cref="Capacity"/> events: past that, the oldest entries' events
/// go, whole entries at a time. What it no longer holds is behind <see cref="Floor"/>, and a reader asking from
/// there is told so rather than handed a stream with a gap. The apply loop appends; any number of readers read and
/// wait, each under the journal's own lock for a moment.
/// </summary>
public sealed class EventJournal
{
    public const int DefaultCapacity = 100_000;

    private readonly Lock gate = new();
    private readonly List<LifecycleEvent> held = [];
    private int start;
    private long floor;
    private long lastIndex;
    private TaskCompletionSource appended = NewSignal();

    public EventJournal(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Events of entries up to this index are not held: a reader must be at or past it.</summary>
    public long Floor
    {
        get
        {
            lock (gate)
                return floor;
        }
    }

    /// <summary>The last entry whose events (perhaps none) are in.</summary>
    public long LastIndex
    {
        get
        {
            lock (gate)
                return lastIndex;
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
                return held.Count - start;
        }
    }

    /// <summary>The apply loop, after entry <paramref name="index"/>: its events, in order (none for most Raft entries).</summary>
    internal void Append(long index, IReadOnlyList<LifecycleEvent> events)
    {
        TaskCompletionSource? wake = null;
        lock (gate)
        {
            lastIndex = index;
            if (events.Count == 0)
                return;
            foreach (var e in events)
                held.Add(e);
            while (held.Count - start > Capacity)
            {
                // Whole entries go, so a reader is never left at half an entry; the newest entry stays whatever its size.
                var oldest = held[start].Index;
                if (oldest == index)
                    break;
                while (start < held.Count && held[start].Index == oldest)
                    held[start++] = null!;
                floor = oldest;
            }

            if (start > 1024 && start > held.Count / 2)
            {
                held.RemoveRange(0, start);
                start = 0;
            }

            wake = appended;
            appended = NewSignal();
        }

        wake.TrySetResult();
    }

    /// <summary>The state was replaced by a snapshot of entry <paramref name="index"/>: what came before it can no longer be told without a gap.</summary>
    internal void Reset(long index)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            held.Clear();
            start = 0;
            floor = index;
            lastIndex = index;
            wake = appended;
            appended = NewSignal();
        }

        wake.TrySetResult();
    }

    /// <summary>
    /// Up to <paramref name="max"/> events after <paramref name="after"/> that <paramref name="wanted"/> takes, looking at
    /// no more than <paramref name="scanBudget"/> events; null when events after <paramref name="after"/> are no longer
    /// held (the reader must start again from <see cref="Floor"/>). <paramref name="next"/> is where the next read goes on:
    /// past the events looked at, taken or not.
    /// </summary>
    public List<LifecycleEvent>? Read(EventCursor after, Func<LifecycleEvent, bool> wanted, int max, int scanBudget, out EventCursor next)
    {
        lock (gate)
        {
            next = after;
            if (after.Index < floor || (after.Index == floor && after.Position != EventCursor.WholeEntry))
                return null;

            var taken = new List<LifecycleEvent>();
            var at = FirstAfter(after);
            for (var scanned = 0; at < held.Count && taken.Count < max && scanned < scanBudget; at++, scanned++)
            {
                var e = held[at];
                if (wanted(e))
                    taken.Add(e);
                next = new EventCursor(e.Index, e.Position);
            }

            // Nothing more held: the reader is caught up with every entry applied, events or not.
            if (at == held.Count && lastIndex > next.Index)
                next = EventCursor.AfterEntry(lastIndex);
            return taken;
        }
    }

    /// <summary>Completes once an event after <paramref name="after"/> is held, or the journal was reset.</summary>
    public Task WaitAsync(EventCursor after, CancellationToken token)
    {
        lock (gate)
        {
            if (held.Count > start && after.IsBefore(held[^1].Index, held[^1].Position))
                return Task.CompletedTask;
            return appended.Task.WaitAsync(token);
        }
    }

    /// <summary>Where the first event after <paramref name="after"/> is: a binary search, events being in log order.</summary>
    private int FirstAfter(EventCursor after)
    {
        int low = start, high = held.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            var e = held[mid];
            if (after.IsBefore(e.Index, e.Position))
                high = mid;
            else
                low = mid + 1;
        }

        return low;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

namespace RaftTimers.Wheel;

/// <summary>
/// A hierarchical timing wheel (Varghese and Lauck; the classic Linux kernel layout) with 1 ms ticks
/// measured in Unix milliseconds: 256 slots of 1 ms, then four levels of 64 slots, which covers
/// 2^32 ms (about 49 days) ahead. Schedule, reschedule and cancel are O(1); expiry is O(1) per timer
/// plus at most four cascades per timer over its life.
/// </summary>
/// <remarks>
/// Only the leader holds a wheel, and it is owned by one task, so the class is not thread-safe.
/// The wheel is a cache of the state machine's pending timers: on leadership it is rebuilt from
/// the state, and an expiry is only a proposal — the committed fire entry decides.
/// </remarks>
public sealed class TimingWheel
{
    private const int RootBits = 8;
    private const int LevelBits = 6;
    private const int RootSize = 1 << RootBits;
    private const int LevelSize = 1 << LevelBits;
    private const int UpperLevels = 4;
    private const long Horizon = 1L << (RootBits + (LevelBits * UpperLevels));

    private readonly Node?[] root = new Node?[RootSize];
    private readonly Node?[][] levels = new Node?[UpperLevels][];
    private readonly Dictionary<string, Node> byId;
    private Node? overdue;

    /// <summary>The tick (Unix ms) up to which every due timer has been handed out by <see cref="Advance"/>.</summary>
    public long CurrentUnixMs { get; private set; }

    public int Count => byId.Count;

    /// <param name="startUnixMs">The first tick.</param>
    /// <param name="capacity">How many timers are about to be scheduled (a new leader knows): sizes the index once.</param>
    public TimingWheel(long startUnixMs, int capacity = 0)
    {
        byId = new Dictionary<string, Node>(capacity, StringComparer.Ordinal);
        CurrentUnixMs = startUnixMs;
        for (var i = 0; i < UpperLevels; i++)
            levels[i] = new Node?[LevelSize];
    }

    /// <summary>Schedules timer <paramref name="id"/> at <paramref name="version"/>, replacing any earlier schedule of the same id.</summary>
    public void Schedule(string id, long version, long dueAtUnixMs)
    {
        if (byId.TryGetValue(id, out var node))
        {
            Unlink(node);
        }
        else
        {
            node = new Node(id);
            byId.Add(id, node);
        }

        node.Version = version;
        node.DueUnixMs = dueAtUnixMs;
        Place(node);
    }

    /// <summary>Removes the timer's schedule; false when it had none.</summary>
    public bool Cancel(string id)
    {
        if (!byId.Remove(id, out var node))
            return false;
        Unlink(node);
        return true;
    }

    public bool Contains(string id) => byId.ContainsKey(id);

    /// <summary>
    /// Moves time forward to <paramref name="nowUnixMs"/> and appends every timer due at or before it to
    /// <paramref name="expired"/>, removing them from the wheel. Time never moves back: an earlier
    /// <paramref name="nowUnixMs"/> only hands out overdue timers.
    /// </summary>
    public void Advance(long nowUnixMs, List<WheelEntry> expired)
    {
        Drain(ref overdue, expired);
        while (CurrentUnixMs < nowUnixMs)
        {
            var tick = ++CurrentUnixMs;
            var rootIndex = (int)(tick & (RootSize - 1));
            if (rootIndex == 0)
            {
                Cascade(tick);

                // A cascaded timer due on this very tick has a delta of 0, so Place put it on the
                // overdue list rather than in the root slot drained below: hand it out now, not a call later.
                Drain(ref overdue, expired);
            }

            Drain(ref root[rootIndex], expired);
        }
    }

    private void Cascade(long tick)
    {
        // Classic cascade: when the root wraps, the next slot of level 1 is spread over the root;
        // when that level wraps too, the next level's slot is spread over it, and so on.
        for (var level = 0; level < UpperLevels; level++)
        {
            var index = (int)((tick >> (RootBits + (level * LevelBits))) & (LevelSize - 1));
            var list = levels[level][index];
            levels[level][index] = null;
            while (list is not null)
            {
                var next = list.Next;
                list.Prev = list.Next = null;
                list.Slot = null;
                Place(list);
                list = next;
            }

            if (index != 0)
                break;
        }
    }

    private void Place(Node node)
    {
        var due = node.DueUnixMs;
        var delta = due - CurrentUnixMs;
        if (delta <= 0)
        {
            Link(ref overdue, node, SlotRef.Overdue);
            return;
        }

        if (delta >= Horizon)
        {
            // Beyond the top level: park it in the farthest slot; cascades bring it closer.
            due = CurrentUnixMs + Horizon - 1;
            delta = Horizon - 1;
        }

        if (delta < RootSize)
        {
            var index = (int)(due & (RootSize - 1));
            Link(ref root[index], node, new SlotRef(-1, index));
            return;
        }

        for (var level = 0; level < UpperLevels; level++)
        {
            var shift = RootBits + ((level + 1) * LevelBits);
            if (delta < (1L << shift) || level == UpperLevels - 1)
            {
                var index = (int)((due >> (shift - LevelBits)) & (LevelSize - 1));
                Link(ref levels[level][index], node, new SlotRef(level, index));
                return;
            }
        }
    }

    private void Drain(ref Node? list, List<WheelEntry> expired)
    {
        var node = list;
        list = null;
        while (node is not null)
        {
            var next = node.Next;
            node.Prev = node.Next = null;
            node.Slot = null;
            if (node.DueUnixMs <= CurrentUnixMs)
            {
                byId.Remove(node.Id);
                expired.Add(new WheelEntry(node.Id, node.Version, node.DueUnixMs));
            }
            else
            {
                // Parked beyond the horizon, or placed in the root slot of the same index one lap later.
                Place(node);
            }

            node = next;
        }
    }

    private static void Link(ref Node? head, Node node, SlotRef slot)
    {
        node.Slot = slot;
        node.Prev = null;
        node.Next = head;
        if (head is not null)
            head.Prev = node;
        head = node;
    }

    private void Unlink(Node node)
    {
        if (node.Slot is not { } slot)
            return;

        if (node.Prev is not null)
            node.Prev.Next = node.Next;
        else
            SlotHead(slot) = node.Next;
        if (node.Next is not null)
            node.Next.Prev = node.Prev;
        node.Prev = node.Next = null;
        node.Slot = null;
    }

    private ref Node? SlotHead(SlotRef slot)
    {
        if (slot.Level == SlotRef.OverdueLevel)
            return ref overdue;
        return ref slot.Level < 0 ? ref root[slot.Index] : ref levels[slot.Level][slot.Index];
    }

    private readonly record struct SlotRef(int Level, int Index)
    {
        public const int OverdueLevel = -2;
        public static SlotRef Overdue => new(OverdueLevel, 0);
    }

    private sealed class Node(string id)
    {
        public readonly string Id = id;
        public long Version;
        public long DueUnixMs;
        public Node? Prev;
        public Node? Next;
        public SlotRef? Slot;
    }
}

/// <summary>A timer handed out by the wheel because it is due.</summary>
public readonly record struct WheelEntry(string TimerId, long Version, long DueAtUnixMs);

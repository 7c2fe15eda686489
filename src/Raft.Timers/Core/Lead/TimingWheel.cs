using System.Numerics;

namespace RaftTimers.Core.Lead;

/// <summary>
/// A hierarchical timing wheel (Varghese and Lauck; the classic Linux kernel layout) with 1 ms ticks
/// measured in Unix milliseconds: 256 slots of 1 ms, then four levels of 64 slots, which covers
/// 2^32 ms (about 49 days) ahead. Schedule, reschedule and cancel are O(1); expiry is O(1) per timer
/// plus at most four cascades per timer over its life.
/// </summary>
/// <remarks>
/// Only the leader holds a wheel, and it is owned by one task, so the class is not thread-safe.
/// Timers live in one array of structs that is also the wheel's index by id (a hash table chained through the array),
/// and slots hold array positions: the leader holds every pending timer here, so an object and a dictionary entry per
/// timer would be the largest part of the leader's memory beyond what every node holds.
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

    // Slot numbers index heads: the overdue list, then the root's slots, then each upper level's.
    private const int OverdueSlot = 0;
    private const int FirstRootSlot = 1;
    private const int FirstLevelSlot = FirstRootSlot + RootSize;
    private const int None = -1;

    private readonly int[] heads = new int[FirstLevelSlot + (UpperLevels * LevelSize)];
    private Entry[] entries;
    private int[] buckets;
    private int used; // entries[0..used) have been handed out; the free ones among them are chained from freeList
    private int freeList = None;

    /// <summary>The tick (Unix ms) up to which every due timer has been handed out by <see cref="Advance"/>.</summary>
    public long CurrentUnixMs { get; private set; }

    public int Count { get; private set; }

    /// <param name="startUnixMs">The first tick.</param>
    /// <param name="capacity">How many timers are about to be scheduled (a new leader knows): sizes the storage once.</param>
    public TimingWheel(long startUnixMs, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        CurrentUnixMs = startUnixMs;
        Array.Fill(heads, None);
        entries = new Entry[Math.Max(capacity, 16)];
        buckets = NewBuckets(entries.Length);
    }

    /// <summary>Schedules timer <paramref name="id"/> at <paramref name="version"/>, replacing any earlier schedule of the same id.</summary>
    public void Schedule(string id, long version, long dueAtUnixMs)
    {
        var index = Find(id);
        if (index != None)
            Unlink(index);
        else
            index = Add(id);

        ref var entry = ref entries[index];
        entry.Version = version;
        entry.DueUnixMs = dueAtUnixMs;
        Place(index);
    }

    /// <summary>Removes the timer's schedule; false when it had none.</summary>
    public bool Cancel(string id)
    {
        var index = Find(id);
        if (index == None)
            return false;
        Unlink(index);
        Remove(index);
        return true;
    }

    public bool Contains(string id) => Find(id) != None;

    /// <summary>
    /// Moves time forward to <paramref name="nowUnixMs"/> and appends every timer due at or before it to
    /// <paramref name="expired"/>, removing them from the wheel, but no more than <paramref name="max"/> in all:
    /// the rest stay in the wheel, due, and come first at the next call (a million timers due at once are handed
    /// out a bounded slice at a time, never copied out whole). Time never moves back: an earlier
    /// <paramref name="nowUnixMs"/> only hands out overdue timers.
    /// </summary>
    public void Advance(long nowUnixMs, List<WheelEntry> expired, int max = int.MaxValue)
    {
        var limit = expired.Count + Math.Max(max, 0);
        if (limit < 0)
            limit = int.MaxValue; // overflow of a caller's count plus int.MaxValue
        if (nowUnixMs - CurrentUnixMs > RebaseAfterMs)
        {
            Rebase(nowUnixMs, expired, limit);
            return;
        }

        Drain(OverdueSlot, expired, limit);
        while (CurrentUnixMs < nowUnixMs && expired.Count < limit)
        {
            var tick = ++CurrentUnixMs;
            var rootIndex = (int)(tick & (RootSize - 1));
            if (rootIndex == 0)
            {
                Cascade(tick);

                // A cascaded timer due on this very tick has a delta of 0, so Place put it on the
                // overdue list rather than in the root slot drained below: hand it out now, not a call later.
                Drain(OverdueSlot, expired, limit);
            }

            Drain(FirstRootSlot + rootIndex, expired, limit);
        }
    }

    private void Cascade(long tick)
    {
        // Classic cascade: when the root wraps, the next slot of level 1 is spread over the root;
        // when that level wraps too, the next level's slot is spread over it, and so on.
        for (var level = 0; level < UpperLevels; level++)
        {
            var index = (int)((tick >> (RootBits + (level * LevelBits))) & (LevelSize - 1));
            var slot = FirstLevelSlot + (level * LevelSize) + index;
            var next = heads[slot];
            heads[slot] = None;
            while (next != None)
            {
                ref var entry = ref entries[next];
                var following = entry.Next;
                entry.Prev = entry.Next = None;
                entry.Slot = None;
                Place(next);
                next = following;
            }

            if (index != 0)
                break;
        }
    }

    /// <summary>
    /// Beyond this gap, <see cref="Advance"/> places every timer again instead of stepping one millisecond at a time: a
    /// clock step of days or years forward would otherwise cost a step per millisecond (2^35 of them for a year).
    /// </summary>
    private const long RebaseAfterMs = 60_000;

    /// <summary>
    /// Moves the wheel to <paramref name="nowUnixMs"/> in one go: every timer due by then is handed out (in no particular
    /// order), the others are placed again from the new time. O(timers), once per large jump.
    /// </summary>
    private void Rebase(long nowUnixMs, List<WheelEntry> expired, int limit)
    {
        Array.Fill(heads, None);
        CurrentUnixMs = nowUnixMs;
        for (var index = 0; index < used; index++)
        {
            ref var entry = ref entries[index];
            if (entry.Id is null)
                continue; // free
            entry.Prev = entry.Next = None;
            entry.Slot = None;
            if (entry.DueUnixMs <= nowUnixMs && expired.Count < limit)
            {
                expired.Add(new WheelEntry(entry.Id, entry.Version, entry.DueUnixMs));
                Remove(index);
            }
            else
            {
                Place(index); // due ones beyond the limit go on the overdue list, first out at the next call
            }
        }
    }

    private void Place(int index)
    {
        var due = entries[index].DueUnixMs;
        var delta = due - CurrentUnixMs;
        if (delta <= 0)
        {
            Link(OverdueSlot, index);
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
            Link(FirstRootSlot + (int)(due & (RootSize - 1)), index);
            return;
        }

        for (var level = 0; level < UpperLevels; level++)
        {
            var shift = RootBits + ((level + 1) * LevelBits);
            if (delta < (1L << shift) || level == UpperLevels - 1)
            {
                Link(FirstLevelSlot + (level * LevelSize) + (int)((due >> (shift - LevelBits)) & (LevelSize - 1)), index);
                return;
            }
        }
    }

    private void Drain(int slot, List<WheelEntry> expired, int limit)
    {
        if (slot == OverdueSlot)
        {
            // Taken from the head one at a time, so a long overdue list handed out a slice per call costs the slice,
            // not the list. Everything on it is due: it was due when placed there, and time never moves back.
            while (heads[OverdueSlot] != None && expired.Count < limit)
            {
                var index = heads[OverdueSlot];
                Unlink(index);
                ref var entry = ref entries[index];
                expired.Add(new WheelEntry(entry.Id!, entry.Version, entry.DueUnixMs));
                Remove(index);
            }

            return;
        }

        var next = heads[slot];
        heads[slot] = None;
        while (next != None)
        {
            var index = next;
            ref var entry = ref entries[index];
            next = entry.Next;
            entry.Prev = entry.Next = None;
            entry.Slot = None;
            if (entry.DueUnixMs > CurrentUnixMs)
            {
                // Parked beyond the horizon, or placed in the root slot of the same index one lap later.
                Place(index);
            }
            else if (expired.Count < limit)
            {
                expired.Add(new WheelEntry(entry.Id!, entry.Version, entry.DueUnixMs));
                Remove(index);
            }
            else
            {
                // Due, beyond this call's limit: first out at the next call.
                Link(OverdueSlot, index);
            }
        }
    }

    private void Link(int slot, int index)
    {
        ref var entry = ref entries[index];
        var head = heads[slot];
        entry.Slot = slot;
        entry.Prev = None;
        entry.Next = head;
        if (head != None)
            entries[head].Prev = index;
        heads[slot] = index;
    }

    private void Unlink(int index)
    {
        ref var entry = ref entries[index];
        if (entry.Slot == None)
            return;

        if (entry.Prev != None)
            entries[entry.Prev].Next = entry.Next;
        else
            heads[entry.Slot] = entry.Next;
        if (entry.Next != None)
            entries[entry.Next].Prev = entry.Prev;
        entry.Prev = entry.Next = None;
        entry.Slot = None;
    }

    private int Find(string id)
    {
        for (var index = buckets[Bucket(id)]; index != None; index = entries[index].Chain)
        {
            if (string.Equals(entries[index].Id, id, StringComparison.Ordinal))
                return index;
        }

        return None;
    }

    /// <summary>Takes a free entry for <paramref name="id"/> (known to be absent) and enters it in the index, in no slot yet.</summary>
    private int Add(string id)
    {
        int index;
        if (freeList != None)
        {
            index = freeList;
            freeList = entries[index].Chain;
        }
        else
        {
            if (used == entries.Length)
                Grow();
            index = used++;
        }

        ref var entry = ref entries[index];
        ref var bucket = ref buckets[Bucket(id)];
        entry.Id = id;
        entry.Prev = entry.Next = None;
        entry.Slot = None;
        entry.Chain = bucket;
        bucket = index;
        Count++;
        return index;
    }

    /// <summary>Takes an entry, already in no slot, out of the index and onto the free list.</summary>
    private void Remove(int index)
    {
        ref var entry = ref entries[index];
        ref var link = ref buckets[Bucket(entry.Id!)];
        while (link != index)
            link = ref entries[link].Chain;
        link = entry.Chain;
        entry = default;
        entry.Slot = None;
        entry.Chain = freeList;
        freeList = index;
        Count--;
    }

    private void Grow()
    {
        Array.Resize(ref entries, entries.Length * 2);
        buckets = NewBuckets(entries.Length);
        for (var index = 0; index < used; index++)
        {
            ref var entry = ref entries[index];
            if (entry.Id is null)
                continue; // free: its chain is the free list, which positions do not change
            ref var bucket = ref buckets[Bucket(entry.Id)];
            entry.Chain = bucket;
            bucket = index;
        }
    }

    private int Bucket(string id) => string.GetHashCode(id, StringComparison.Ordinal) & (buckets.Length - 1);

    private static int[] NewBuckets(int entries)
    {
        var buckets = new int[(int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)entries), 1u << 30)];
        Array.Fill(buckets, None);
        return buckets;
    }

    /// <summary>One timer's schedule; a free entry has no id.</summary>
    private struct Entry
    {
        public string? Id;
        public long Version;
        public long DueUnixMs;

        /// <summary>Neighbours in the slot's list, as positions in <c>entries</c>.</summary>
        public int Prev;
        public int Next;

        /// <summary>The slot whose list holds it (an index into <c>heads</c>), or <see cref="None"/>.</summary>
        public int Slot;

        /// <summary>The next entry in its bucket, or in the free list when free.</summary>
        public int Chain;
    }
}

/// <summary>A timer handed out by the wheel because it is due.</summary>
public readonly record struct WheelEntry(string TimerId, long Version, long DueAtUnixMs);

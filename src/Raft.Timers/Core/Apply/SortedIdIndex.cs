namespace RaftTimers.Core.Apply;

/// <summary>
/// Timer ids in ordinal order, for paging (<c>GET /timer?after=</c>): a list of sorted chunks of at most
/// <see cref="ChunkCapacity"/> ids, each found by binary search. Against a <see cref="SortedSet{T}"/> it allocates
/// no node per id (8 bytes per id instead of ~48) and an insert moves a few hundred references in one cache-friendly
/// block instead of rebalancing a tree — the set was the largest single cost of applying creates (docs/benchmarks.md).
/// </summary>
public sealed class SortedIdIndex
{
    public const int ChunkCapacity = 512;
    private readonly List<Chunk> chunks = [];

    public int Count { get; private set; }

    /// <summary>Adds <paramref name="id"/>; false if it is already present.</summary>
    public bool Add(string id)
    {
        if (chunks.Count == 0)
            chunks.Add(new Chunk());
        var at = ChunkFor(id);
        var chunk = chunks[at];
        var pos = chunk.Find(id);
        if (pos >= 0)
            return false;
        pos = ~pos;
        if (chunk.Count == ChunkCapacity)
        {
            var right = chunk.SplitOff();
            chunks.Insert(at + 1, right);
            if (pos > chunk.Count)
            {
                pos -= chunk.Count;
                chunk = right;
            }
        }

        chunk.Insert(pos, id);
        Count++;
        return true;
    }

    /// <summary>Removes <paramref name="id"/>; false if it was not present.</summary>
    public bool Remove(string id)
    {
        if (chunks.Count == 0)
            return false;
        var at = ChunkFor(id);
        var chunk = chunks[at];
        var pos = chunk.Find(id);
        if (pos < 0)
            return false;
        chunk.RemoveAt(pos);
        Count--;
        if (chunk.Count == 0)
        {
            chunks.RemoveAt(at);
        }
        else if (at + 1 < chunks.Count && chunk.Count + chunks[at + 1].Count <= ChunkCapacity / 2)
        {
            chunk.Append(chunks[at + 1]);
            chunks.RemoveAt(at + 1);
        }

        return true;
    }

    public void Clear()
    {
        chunks.Clear();
        Count = 0;
    }

    /// <summary>The ids greater than <paramref name="after"/> (all of them when null), in ordinal order.</summary>
    public IEnumerable<string> After(string? after)
    {
        if (chunks.Count == 0)
            yield break;
        var at = 0;
        var pos = 0;
        if (after is not null)
        {
            at = ChunkFor(after);
            pos = chunks[at].Find(after);
            pos = pos >= 0 ? pos + 1 : ~pos;
        }

        for (; at < chunks.Count; at++, pos = 0)
        {
            var chunk = chunks[at];
            for (; pos < chunk.Count; pos++)
                yield return chunk.Items[pos];
        }
    }

    /// <summary>The last chunk whose first id is at or below <paramref name="id"/>; the first chunk if none is.</summary>
    private int ChunkFor(string id)
    {
        int low = 0, high = chunks.Count - 1;
        while (low < high)
        {
            var mid = (low + high + 1) >> 1;
            if (string.CompareOrdinal(chunks[mid].Items[0], id) <= 0)
                low = mid;
            else
                high = mid - 1;
        }

        return low;
    }

    private sealed class Chunk
    {
        public string[] Items = new string[ChunkCapacity];
        public int Count;

        public int Find(string id) => Array.BinarySearch(Items, 0, Count, id, StringComparer.Ordinal);

        public void Insert(int pos, string id)
        {
            Array.Copy(Items, pos, Items, pos + 1, Count - pos);
            Items[pos] = id;
            Count++;
        }

        public void RemoveAt(int pos)
        {
            Count--;
            Array.Copy(Items, pos + 1, Items, pos, Count - pos);
            Items[Count] = null!;
        }

        public Chunk SplitOff()
        {
            var right = new Chunk();
            var keep = Count / 2;
            right.Count = Count - keep;
            Array.Copy(Items, keep, right.Items, 0, right.Count);
            Array.Clear(Items, keep, right.Count);
            Count = keep;
            return right;
        }

        public void Append(Chunk next)
        {
            Array.Copy(next.Items, 0, Items, Count, next.Count);
            Count += next.Count;
        }
    }
}

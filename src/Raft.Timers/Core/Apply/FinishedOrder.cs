namespace RaftTimers.Core.Apply;

/// <summary>
/// Finished timers in the order they are purged: by finish stamp, then by id. A purge bounded by a count or a size
/// can stop inside a group of timers that finished at the same stamp, so the order within a group must not depend on
/// how the state was built: applying entries and restoring a snapshot (which knows nothing of apply order) both give
/// id order. Stamps never go backwards, so only the newest group still grows; it is kept apart and sorted when it is
/// sealed by a later stamp or read by a purge.
/// </summary>
internal sealed class FinishedOrder
{
    private readonly Queue<(string Id, long FinishedAtUnixMs)> sealedGroups = new();
    private readonly List<string> newest = [];
    private long newestAt = long.MinValue;
    private bool newestSorted = true;

    public int Count => sealedGroups.Count + newest.Count;

    public void Add(string id, long finishedAtUnixMs)
    {
        InvariantViolationException.ThrowIf(finishedAtUnixMs < newestAt && newest.Count > 0,
            $"timer {id} finished at {finishedAtUnixMs}, before the newest finish at {newestAt}");
        if (finishedAtUnixMs > newestAt)
        {
            Seal();
            newestAt = finishedAtUnixMs;
        }

        newestSorted &= newest.Count == 0 || string.CompareOrdinal(newest[^1], id) > 0;
        newest.Add(id);
    }

    /// <summary>The next timer to purge, if any.</summary>
    public bool TryPeek(out (string Id, long FinishedAtUnixMs) oldest)
    {
        if (sealedGroups.TryPeek(out oldest))
            return true;
        if (newest.Count == 0)
            return false;
        SortNewest();
        oldest = (newest[^1], newestAt);
        return true;
    }

    /// <summary>Removes what <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        if (!sealedGroups.TryDequeue(out _))
            newest.RemoveAt(newest.Count - 1);
    }

    public void Clear()
    {
        sealedGroups.Clear();
        newest.Clear();
        newestAt = long.MinValue;
        newestSorted = true;
    }

    private void Seal()
    {
        SortNewest();
        for (var i = newest.Count - 1; i >= 0; i--)
            sealedGroups.Enqueue((newest[i], newestAt));
        newest.Clear();
    }

    /// <summary>Descending, so the smallest id, purged first, is at the end and leaves without a shift.</summary>
    private void SortNewest()
    {
        if (newestSorted)
            return;
        newest.Sort(static (a, b) => string.CompareOrdinal(b, a));
        newestSorted = true;
    }
}

namespace RaftTimers.Cluster.Snapshot;

/// <summary>
/// When to snapshot: after <see cref="EveryEntries"/> entries (each entry keeps a little log metadata open until
/// compaction), or once the entries applied since the last snapshot hold as many bytes as the larger of
/// <see cref="EveryBytes"/> and that snapshot's size. Under heavy load entries carry hundreds of commands, so a count
/// alone would let gigabytes of log pile up between snapshots (and be replayed at every restart); a size alone would
/// rewrite a large state far more often than it changes.
/// </summary>
public sealed record SnapshotPolicy(long EveryEntries, long EveryBytes)
{
    public bool IsDue(long entriesSince, long bytesSince, long lastSnapshotBytes)
        => entriesSince >= EveryEntries || bytesSince >= Math.Max(EveryBytes, lastSnapshotBytes);
}

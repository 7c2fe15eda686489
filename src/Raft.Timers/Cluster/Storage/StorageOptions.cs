namespace RaftTimers.Cluster.Storage;

/// <summary>How much room the data directory must keep (docs/storage.md).</summary>
public sealed class StorageOptions
{
    /// <summary>The log's chunk (<see cref="AcknowledgedAppendLog.ChunkBytes"/>), which the room to stop in must hold.</summary>
    private const long LogChunkBytes = AcknowledgedAppendLog.ChunkBytes;

    /// <summary>Below this many free bytes the leader refuses creates and replaces (507); room for snapshots and a burst of fires.</summary>
    public long MinFreeBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Below this many free bytes the node stops (and will not start): room to finish the log's current chunk and its
    /// metadata pages, which the node cannot stop writing while it is a member.
    /// </summary>
    public long StopBelowBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How often the free space is read.</summary>
    public int CheckIntervalMs { get; set; } = 100;

    public void Validate()
    {
        if (StopBelowBytes < LogChunkBytes + (1024 * 1024))
            throw new ArgumentOutOfRangeException(nameof(StopBelowBytes), StopBelowBytes, $"must be at least {LogChunkBytes + (1024 * 1024)} (a log chunk and its metadata)");
        if (MinFreeBytes <= StopBelowBytes)
            throw new ArgumentOutOfRangeException(nameof(MinFreeBytes), MinFreeBytes, "must be more than StopBelowBytes");
        if (CheckIntervalMs is < 10 or > 10_000)
            throw new ArgumentOutOfRangeException(nameof(CheckIntervalMs), CheckIntervalMs, "must be between 10 and 10000");
    }
}

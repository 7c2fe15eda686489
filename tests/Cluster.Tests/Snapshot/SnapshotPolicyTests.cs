using RaftTimers.Cluster.Snapshot;

namespace RaftTimers.Tests;

public sealed class SnapshotPolicyTests
{
    private static readonly SnapshotPolicy Policy = new(EveryEntries: 1000, EveryBytes: 64 * 1024);

    [Theory]
    [InlineData(999, 0, 0, false)]
    [InlineData(1000, 0, 0, true)] // many small entries
    [InlineData(10, 64 * 1024 - 1, 0, false)]
    [InlineData(10, 64 * 1024, 0, true)] // a few large entries
    [InlineData(10, 100_000, 500_000, false)] // a large state is not rewritten before the log grew by its size
    [InlineData(10, 500_000, 500_000, true)]
    [InlineData(1000, 10, 500_000, true)]
    public void Snapshots_by_entry_count_or_by_log_bytes_against_the_last_snapshots_size(long entries, long bytes, long lastSnapshot, bool due)
        => Assert.Equal(due, Policy.IsDue(entries, bytes, lastSnapshot));
}

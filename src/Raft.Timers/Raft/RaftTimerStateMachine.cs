using System.Buffers;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using RaftTimers.Codec;
using LogEntry = DotNext.Net.Cluster.Consensus.Raft.StateMachine.LogEntry;

namespace RaftTimers.Raft;

/// <summary>
/// Binds the <see cref="TimerStore"/> to DotNext's write-ahead log: applies committed entries in
/// order, skips membership and empty entries, and persists a snapshot when <see cref="SnapshotPolicy"/> says so,
/// so the log can be compacted.
/// </summary>
/// <remarks>
/// A committed entry that cannot be applied (undecodable, or breaking an invariant) stops DotNext's
/// apply loop for good; a node in that state must not keep serving, so <c>onFatalError</c> ends it.
/// </remarks>
internal sealed partial class RaftTimerStateMachine(DirectoryInfo location, TimerStore store, SnapshotPolicy policy, Action<Exception> onFatalError, ILogger logger)
    : SimpleStateMachine(location)
{
    private long entriesSinceSnapshot;
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.IsConfiguration || entry.Length is 0L)
        {
            store.Skip(entry.Index);
        }
        else
        {
            ApplyTimerEntry(entry);
        }

        bytesSinceSnapshot += entry.Length ?? 0L;
        var snapshotDue = policy.IsDue(++entriesSinceSnapshot, bytesSinceSnapshot, lastSnapshotBytes);
        if (snapshotDue)
            entriesSinceSnapshot = bytesSinceSnapshot = 0;
        return ValueTask.FromResult(snapshotDue);
    }

    private void ApplyTimerEntry(LogEntry entry)
    {
        var context = entry.Context is ProposalContext proposal && proposal.Term == entry.Term ? proposal : null;
        ReadOnlySpan<byte> bytes = entry.TryGetPayload(out var payload)
            ? (payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray())
            : throw new InvalidOperationException($"entry {entry.Index} is a snapshot, not a command entry");
        try
        {
            store.Apply(entry.Index, bytes, context?.Results);
        }
        catch (Exception e) when (e is CodecException or StateMachine.InvariantViolationException)
        {
            // Skipping the entry would let this node's state drift from the others': stop, loudly.
            LogUnappliableEntry(entry.Index, e.GetType().Name, e.Message);
            onFatalError(e);
            throw;
        }

        context?.MarkApplied();
    }

    /// <summary>
    /// Streams the state to the snapshot file in 1 MiB pieces: no buffer the size of the state (a million timers
    /// made ~170 MB of large-object garbage per snapshot before, and long GC pauses on every node at once).
    /// </summary>
    protected override async ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long bytes = 0;
        foreach (var chunk in store.PersistInChunks(1 << 20))
        {
            await writer.Invoke(chunk, token).ConfigureAwait(false);
            bytes += chunk.Length;
        }

        lastSnapshotBytes = bytes;
        LogSnapshotWritten(bytes, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false);
        store.Restore(bytes);
        LogSnapshotRestored(snapshotFile.Name, bytes.Length);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Critical, Message = "Committed entry {Index} cannot be applied ({Error}: {Reason}); the node stops")]
    private partial void LogUnappliableEntry(long index, string error, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Snapshot written ({Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotWritten(long bytes, long milliseconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Snapshot {File} restored ({Bytes} bytes)")]
    private partial void LogSnapshotRestored(string file, int bytes);
}

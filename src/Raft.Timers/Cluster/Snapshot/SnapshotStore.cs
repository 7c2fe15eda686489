using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using LogEntry = DotNext.Net.Cluster.Consensus.Raft.StateMachine.LogEntry;

namespace RaftTimers.Cluster.Snapshot;

/// <summary>
/// This node's snapshots on disk: the latest one, when the next is due (<see cref="SnapshotPolicy"/>), writing one off
/// the apply path, receiving one from the leader, reading one back, and deleting those the log no longer needs.
/// </summary>
/// <remarks>
/// <para>
/// A snapshot is written on a thread of its own from a frozen image of the state (<see cref="TimerStateMachine.Capture"/>,
/// milliseconds) while entries keep being applied: applying nothing until a snapshot of a large state is on disk would
/// stall every node at once (they snapshot at the same index).
/// </para>
/// <para>
/// A received snapshot is all-or-nothing up to the point it is accepted: it goes into a temporary file, its header is
/// checked and the file flushed, and only then is it renamed into place. If the leader's request is cancelled on the
/// way (DotNext cancels a request after its RequestTimeout), nothing of it remains: the follower stays at its old
/// index, so the leader's next attempt is accepted. Committing a half-received file instead would report an install
/// the leader never heard of: the follower would then reject that snapshot as already covered while the leader walked
/// its replication index back one entry per attempt, and the follower would never catch up (docs/benchmarks.md).
/// </para>
/// </remarks>
internal sealed partial class SnapshotStore(DirectoryInfo location, SnapshotPolicy policy, ILogger logger) : IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly SnapshotDirectory directory = new(location);
    private readonly CancellationTokenSource lifetime = new();
    private volatile SnapshotFile? latest;
    private Task write = Task.CompletedTask;

    // Set while a snapshot is being written, and cleared before it shows as the latest: an applied entry that sees the
    // new snapshot may then count on the next due one being taken (the write task itself completes a moment later).
    private volatile bool writing;
    private readonly Lock publishing = new();
    private CancellationTokenSource? writeCancellation;
    private long entriesSince;
    private long bytesSince;

    /// <summary>The newest snapshot on disk, written here or received; null before the first.</summary>
    public SnapshotFile? Latest => latest;

    /// <summary>Forgets half-written files and finds the newest snapshot on disk. Call once, before anything is applied.</summary>
    public SnapshotFile? Open()
    {
        directory.DeleteTemporaryFiles();
        return latest = directory.Latest();
    }

    /// <summary>
    /// Counts an applied entry of <paramref name="bytes"/>; when a snapshot is due, freezes the state (<paramref name="capture"/>,
    /// on the apply loop) and writes it on a thread of its own. While one is still being written the policy stays due, and
    /// the next applied entry tries again.
    /// </summary>
    public void Applied(long bytes, long term, Func<SnapshotImage> capture)
    {
        bytesSince += bytes;
        entriesSince++;
        if (!policy.IsDue(entriesSince, bytesSince, latest?.Bytes ?? 0) || writing)
            return;
        entriesSince = bytesSince = 0;
        writing = true;
        var image = capture();
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        writeCancellation?.Dispose();
        writeCancellation = cancellation;
        write = Task.Factory.StartNew(() => Write(image, term, cancellation.Token), cancellation.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Write(SnapshotImage image, long term, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        var done = false;
        try
        {
            using var pending = directory.Create(image.LastAppliedIndex, term);
            long bytes = 0;
            foreach (var chunk in SnapshotCodec.WriteInChunks(image, ChunkBytes))
            {
                token.ThrowIfCancellationRequested();
                pending.Append(chunk.Span);
                bytes += chunk.Length;
            }

            pending.FlushToDisk();
            token.ThrowIfCancellationRequested();
            var written = pending.Commit();
            LogSnapshotWritten(image.LastAppliedIndex, image.Records.Length, bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            // Once cleared, the next write may begin at once: this one must not clear the flag again after that.
            done = true;
            writing = false;
            Publish(written);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Superseded by a received snapshot, or the node is stopping: the temporary file is gone, nothing changed.
        }
        catch (Exception e)
        {
            // The log keeps every entry until a later snapshot succeeds; nothing is lost, the log just grows.
            LogSnapshotFailed(image.LastAppliedIndex, e);
        }
        finally
        {
            if (!done)
                writing = false;
        }
    }

    /// <summary>Makes <paramref name="file"/> the latest unless a newer one is already: a write that began after this one was done may end first.</summary>
    private void Publish(SnapshotFile file)
    {
        lock (publishing)
        {
            if (latest is null || latest.Index <= file.Index)
                latest = file;
        }
    }

    /// <summary>
    /// Receives the snapshot the leader sends as <paramref name="entry"/> and puts it in place (see the remarks); throws,
    /// leaving nothing behind, when it arrives short, holds another index, or <paramref name="token"/> ends first.
    /// </summary>
    public async Task<SnapshotFile> ReceiveAsync(LogEntry entry, CancellationToken token)
    {
        // A snapshot being written is of an older state than the one arriving.
        writeCancellation?.Cancel();
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var pending = directory.Create(entry.Index, entry.Term);
        await entry.WriteToAsync(pending.Writer, token).ConfigureAwait(false);
        await pending.Writer.WriteAsync(token).ConfigureAwait(false);

        // DotNext ends the stream early, without an error, when the leader gives up sending; the length check names
        // that plainly before the parser would stumble on it.
        if (entry.Length is { } expected && pending.Writer.WritePosition != expected)
            throw new IOException($"snapshot {entry.Index}-{entry.Term} arrived with {pending.Writer.WritePosition} of its {expected} bytes");
        CheckHeader(pending.TempFile, entry.Index);
        await Task.Run(pending.FlushToDisk, CancellationToken.None).ConfigureAwait(false);

        // The last point at which giving up leaves no trace; past it the snapshot is this node's.
        token.ThrowIfCancellationRequested();
        var file = pending.Commit();
        lock (publishing)
            latest = file; // newer than any own snapshot: a write under way was cancelled above
        entriesSince = bytesSince = 0;
        return file;
    }

    /// <summary>A received snapshot must say it holds the state at the index it is installed at.</summary>
    private static void CheckHeader(FileInfo file, long index)
    {
        Span<byte> first = stackalloc byte[SnapshotCodec.HeaderMaxBytes];
        using var handle = File.OpenHandle(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var read = RandomAccess.Read(handle, first, 0);
        var header = SnapshotCodec.ReadHeader(first[..read]);
        if (header.LastAppliedIndex != index)
            throw new CodecException($"snapshot {file.Name} holds the state at index {header.LastAppliedIndex}, not {index}");
    }

    /// <summary>Parses a snapshot file into a new state, streaming it; the live state is not touched.</summary>
    public static TimerStateMachine Read(SnapshotFile snapshot, CancellationToken token)
    {
        var file = snapshot.File;
        using var stream = new FileStream(file.FullName, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });
        var state = new TimerStateMachine();
        SnapshotCodec.Read(stream, state, token);
        if (state.LastAppliedIndex != snapshot.Index)
            throw new CodecException($"snapshot {file.Name} holds the state at index {state.LastAppliedIndex}, not {snapshot.Index}");
        return state;
    }

    /// <summary>Deletes the snapshots older than <paramref name="watermark"/>, which the log no longer needs.</summary>
    public void DeleteBelow(long watermark) => directory.DeleteBelow(watermark);

    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync().ConfigureAwait(false);
        await write.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        writeCancellation?.Dispose();
        lifetime.Dispose();
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Snapshot at index {Index} written ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotWritten(long index, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Snapshot at index {Index} could not be written; the log is kept until a later one is")]
    private partial void LogSnapshotFailed(long index, Exception error);
}

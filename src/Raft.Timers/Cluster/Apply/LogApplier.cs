using System.Buffers;
using System.Diagnostics;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using LogEntry = DotNext.Net.Cluster.Consensus.Raft.StateMachine.LogEntry;

namespace RaftTimers.Cluster.Apply;

/// <summary>
/// Binds the <see cref="AppliedState"/> to DotNext's write-ahead log: applies committed entries in order, skips
/// membership and empty entries, takes snapshots when <see cref="SnapshotPolicy"/> says so (so the log can be
/// compacted), and installs the snapshots a leader sends.
/// </summary>
/// <remarks>
/// <para>
/// Snapshots are taken off the apply path: the state is frozen as an array of immutable records
/// (<see cref="TimerStateMachine.Capture"/>, milliseconds) and written on a thread of its own while entries keep being
/// applied, because applying nothing until a snapshot of a large state is on disk would stall every node at once
/// (they snapshot at the same index).
/// </para>
/// <para>
/// An install is all-or-nothing up to the point it is accepted: the snapshot is received into a temporary file, its
/// header checked and the file flushed, and only then renamed into place. If the leader's request is cancelled on the
/// way (DotNext cancels a request after its RequestTimeout), nothing of it remains: the follower stays at its old
/// index, so the leader's next attempt is accepted. Committing a half-received file instead would report an install
/// the leader never heard of: the follower would then reject that snapshot as already covered while the leader walked
/// its replication index back one entry per attempt, and the follower would never catch up (docs/benchmarks.md).
/// </para>
/// <para>
/// Once the file is in place the install is done as far as Raft goes: the file is the state from then on (a restart
/// restores it). Parsing it into memory takes seconds for millions of timers, longer than one Raft request may last,
/// so it happens after the request is answered: the next entry waits for it, and so does every reader that needs the
/// applied state (<see cref="AppliedState.Current"/>).
/// </para>
/// <para>
/// A committed entry that cannot be applied (undecodable, breaking an invariant, or any other failure while applying
/// it) stops DotNext's apply loop for good; a node in that state must not keep serving, so <c>onFatalError</c> ends it.
/// </para>
/// </remarks>
internal sealed partial class LogApplier(
    DirectoryInfo location, AppliedState store, SnapshotPolicy policy, Action<Exception> onFatalError, ILogger logger, ClusterClock? clock = null)
    : IStateMachine, IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly SnapshotDirectory directory = new(location);
    private readonly CancellationTokenSource lifetime = new();
    private volatile SnapshotFile? snapshot;
    private bool restored;
    private Task installedLoad = Task.CompletedTask;
    private long appliedIndex;
    private Task snapshotWrite = Task.CompletedTask;
    private CancellationTokenSource? snapshotWriteCancellation;
    private long entriesSinceSnapshot;
    private long bytesSinceSnapshot;

    /// <summary>For tests: awaited before an installed snapshot is parsed, so a test can hold the parse back at will.</summary>
    internal Func<Task>? BeforeInstalledLoad { get; init; }

    ISnapshot? ISnapshotManager.Snapshot
        => restored ? snapshot : throw new InvalidOperationException("the state machine must be restored before the log is opened");

    /// <summary>
    /// Holds every apply back until <paramref name="verified"/> completes: the write-ahead log starts applying committed
    /// entries as soon as it is built, before it checks their hashes, and an entry damaged on disk must be refused, not
    /// applied. Call before the log is built; if <paramref name="verified"/> fails, nothing is applied.
    /// </summary>
    internal void HoldApplyUntil(Task verified) => installedLoad = verified;

    /// <summary>Loads the latest snapshot on disk, if any. Call once, before the write-ahead log is built.</summary>
    public async ValueTask RestoreAsync(CancellationToken token)
    {
        directory.DeleteTemporaryFiles();
        var latest = directory.Latest();
        if (latest is not null)
        {
            var started = Stopwatch.GetTimestamp();
            var state = await Task.Run(() => ReadSnapshot(latest.File, latest.Index, token), token).ConfigureAwait(false);
            store.Replace(state);
            appliedIndex = latest.Index;
            LogSnapshotRestored(latest.File.Name, state.Count, latest.Bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        snapshot = latest;
        restored = true;
    }

    ValueTask<long> IStateMachine.ApplyAsync(LogEntry entry, CancellationToken token)
        => installedLoad.IsCompletedSuccessfully ? Apply(entry, token) : ApplyAfterLoadAsync(entry, token);

    private async ValueTask<long> ApplyAfterLoadAsync(LogEntry entry, CancellationToken token)
    {
        await installedLoad.ConfigureAwait(false);
        return await Apply(entry, token).ConfigureAwait(false);
    }

    private ValueTask<long> Apply(LogEntry entry, CancellationToken token)
    {
        if (entry.Index <= appliedIndex)
            return ValueTask.FromResult(appliedIndex);
        if (entry.IsSnapshot)
            return InstallAsync(entry, token);

        if (entry.IsConfiguration || entry.Length is 0L)
            store.Skip(entry.Index);
        else
            ApplyTimerEntry(entry);

        appliedIndex = entry.Index;
        bytesSinceSnapshot += entry.Length ?? 0L;
        entriesSinceSnapshot++;
        if (policy.IsDue(entriesSinceSnapshot, bytesSinceSnapshot, snapshot?.Bytes ?? 0))
            TryStartSnapshot(entry.Term);
        return ValueTask.FromResult(entry.Index);
    }

    private void ApplyTimerEntry(LogEntry entry)
    {
        var context = entry.Context is ProposalContext proposal && proposal.Term == entry.Term ? proposal : null;
        ReadOnlySpan<byte> bytes = entry.TryGetPayload(out var payload)
            ? (payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray())
            : throw new InvalidOperationException($"entry {entry.Index} is a snapshot, not a command entry");
        long stamp;
        try
        {
            stamp = store.Apply(entry.Index, bytes, context?.Results);
        }
        catch (Exception e)
        {
            // Skipping the entry would let this node's state drift from the others': stop, loudly. Any failure, not only
            // a bad entry (out of memory, a bug): DotNext's log stops applying after it, and a node left running would
            // answer nothing but time-outs while looking alive.
            LogUnappliableEntry(entry.Index, e.GetType().Name, e.Message);
            onFatalError(e);
            throw;
        }

        context?.MarkApplied();
        // Flagged, never refused: every node must apply the same entries whatever its own clock says.
        clock?.CheckStamp(entry.Index, stamp);
    }

    /// <summary>
    /// Freezes the state just applied and writes it on a thread of its own. While a previous snapshot is still being
    /// written, the policy stays due and the next applied entry tries again.
    /// </summary>
    private void TryStartSnapshot(long term)
    {
        if (!snapshotWrite.IsCompleted)
            return;
        entriesSinceSnapshot = bytesSinceSnapshot = 0;
        var image = store.Capture();
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        snapshotWriteCancellation?.Dispose();
        snapshotWriteCancellation = cancellation;
        snapshotWrite = Task.Factory.StartNew(
            () => WriteSnapshot(image, term, cancellation.Token),
            cancellation.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void WriteSnapshot(SnapshotImage image, long term, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
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
            snapshot = pending.Commit();
            LogSnapshotWritten(image.LastAppliedIndex, image.Records.Length, bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Superseded by an installed snapshot, or the node is stopping: the temporary file is gone, nothing changed.
        }
        catch (Exception e)
        {
            // The log keeps every entry until a later snapshot succeeds; nothing is lost, the log just grows.
            LogSnapshotFailed(image.LastAppliedIndex, e);
        }
    }

    private async ValueTask<long> InstallAsync(LogEntry entry, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        await StopSnapshotWriteAsync().ConfigureAwait(false);
        using var pending = directory.Create(entry.Index, entry.Term);
        await entry.WriteToAsync(pending.Writer, token).ConfigureAwait(false);
        await pending.Writer.WriteAsync(token).ConfigureAwait(false);

        // DotNext ends the stream early, without an error, when the leader gives up sending; the length check names
        // that plainly before the parser would stumble on it.
        if (entry.Length is { } expected && pending.Writer.WritePosition != expected)
            throw new IOException($"snapshot {entry.Index}-{entry.Term} arrived with {pending.Writer.WritePosition} of its {expected} bytes");
        CheckHeader(pending.TempFile, entry.Index);
        await Task.Run(pending.FlushToDisk, CancellationToken.None).ConfigureAwait(false);

        // The last point at which giving up leaves no trace; past it the install is done.
        token.ThrowIfCancellationRequested();
        var file = pending.Commit();
        appliedIndex = entry.Index;
        snapshot = file;
        entriesSinceSnapshot = bytesSinceSnapshot = 0;
        installedLoad = LoadInstalledAsync(file, started);
        store.Loading(installedLoad);
        return entry.Index;
    }

    /// <summary>
    /// Parses an installed snapshot and swaps it in, after the install was answered. A snapshot that was accepted but
    /// cannot be read leaves this node's state behind its log for good: it stops, as for an entry it cannot apply.
    /// </summary>
    private async Task LoadInstalledAsync(SnapshotFile file, long started)
    {
        try
        {
            if (BeforeInstalledLoad is { } gate)
                await gate().WaitAsync(lifetime.Token).ConfigureAwait(false);
            var state = await Task.Run(() => ReadSnapshot(file.File, file.Index, lifetime.Token), lifetime.Token).ConfigureAwait(false);
            store.Replace(state);
            LogSnapshotInstalled(file.File.Name, state.Count, file.Bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The node is stopping; it restores this snapshot from its file when it starts again.
            throw;
        }
        catch (Exception e)
        {
            LogInstalledSnapshotUnreadable(file.File.Name, e.GetType().Name, e.Message);
            onFatalError(e);
            throw;
        }
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

    private async Task StopSnapshotWriteAsync()
    {
        snapshotWriteCancellation?.Cancel();
        await snapshotWrite.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Parses a snapshot file into a new state, streaming it; the live state is not touched.</summary>
    private static TimerStateMachine ReadSnapshot(FileInfo file, long index, CancellationToken token)
    {
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
        if (state.LastAppliedIndex != index)
            throw new CodecException($"snapshot {file.Name} holds the state at index {state.LastAppliedIndex}, not {index}");
        return state;
    }

    ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token)
    {
        try
        {
            directory.DeleteBelow(watermark);
            return ValueTask.CompletedTask;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await lifetime.CancelAsync().ConfigureAwait(false);
        await snapshotWrite.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await installedLoad.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        snapshotWriteCancellation?.Dispose();
        lifetime.Dispose();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Critical, Message = "Committed entry {Index} cannot be applied ({Error}: {Reason}); the node stops")]
    private partial void LogUnappliableEntry(long index, string error, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Snapshot at index {Index} written ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotWritten(long index, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Snapshot {File} restored ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotRestored(string file, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Snapshot {File} from the leader installed ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotInstalled(string file, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Critical, Message = "Snapshot {File} from the leader was accepted but cannot be read ({Error}: {Reason}); the node stops")]
    private partial void LogInstalledSnapshotUnreadable(string file, string error, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Snapshot at index {Index} could not be written; the log is kept until a later one is")]
    private partial void LogSnapshotFailed(long index, Exception error);
}

using System.Buffers;
using System.Diagnostics;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Snapshot;
using LogEntry = DotNext.Net.Cluster.Consensus.Raft.StateMachine.LogEntry;

namespace RaftTimers.Cluster.Apply;

/// <summary>
/// Binds the <see cref="AppliedState"/> to DotNext's write-ahead log: applies committed entries in order, skips
/// membership and empty entries, has the <see cref="SnapshotStore"/> take snapshots when they are due (so the log can be
/// compacted), and installs the snapshots a leader sends.
/// </summary>
/// <remarks>
/// <para>
/// Once a received snapshot is in place the install is done as far as Raft goes: the file is the state from then on
/// (a restart restores it). Parsing it into memory takes seconds for millions of timers, longer than one Raft request
/// may last, so it happens after the request is answered: the next entry waits for it, and so does every reader that
/// needs the applied state (<see cref="AppliedState.Current"/>).
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
    private readonly SnapshotStore snapshots = new(location, policy, logger);
    private readonly CancellationTokenSource lifetime = new();
    private bool restored;
    private Task installedLoad = Task.CompletedTask;
    private long appliedIndex;

    /// <summary>For tests: awaited before an installed snapshot is parsed, so a test can hold the parse back at will.</summary>
    internal Func<Task>? BeforeInstalledLoad { get; init; }

    ISnapshot? ISnapshotManager.Snapshot
        => restored ? snapshots.Latest : throw new InvalidOperationException("the state machine must be restored before the log is opened");

    /// <summary>
    /// Holds every apply back until <paramref name="verified"/> completes: the write-ahead log starts applying committed
    /// entries as soon as it is built, before it checks their hashes, and an entry damaged on disk must be refused, not
    /// applied. Call before the log is built; if <paramref name="verified"/> fails, nothing is applied.
    /// </summary>
    internal void HoldApplyUntil(Task verified) => installedLoad = verified;

    /// <summary>Loads the latest snapshot on disk, if any. Call once, before the write-ahead log is built.</summary>
    public async ValueTask RestoreAsync(CancellationToken token)
    {
        if (snapshots.Open() is { } latest)
        {
            var started = Stopwatch.GetTimestamp();
            var state = await Task.Run(() => SnapshotStore.Read(latest, token), token).ConfigureAwait(false);
            store.Replace(state);
            appliedIndex = latest.Index;
            LogSnapshotRestored(latest.File.Name, state.Count, latest.Bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

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
        snapshots.Applied(entry.Length ?? 0L, entry.Term, store.Capture);
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

    private async ValueTask<long> InstallAsync(LogEntry entry, CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        var file = await snapshots.ReceiveAsync(entry, token).ConfigureAwait(false);
        appliedIndex = entry.Index;
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
            var state = await Task.Run(() => SnapshotStore.Read(file, lifetime.Token), lifetime.Token).ConfigureAwait(false);
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

    ValueTask ISnapshotManager.ReclaimGarbageAsync(long watermark, CancellationToken token)
    {
        try
        {
            snapshots.DeleteBelow(watermark);
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
        await snapshots.DisposeAsync().ConfigureAwait(false);
        await installedLoad.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lifetime.Dispose();
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Critical, Message = "Committed entry {Index} cannot be applied ({Error}: {Reason}); the node stops")]
    private partial void LogUnappliableEntry(long index, string error, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Snapshot {File} restored ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotRestored(string file, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Snapshot {File} from the leader installed ({Timers} timers, {Bytes} bytes in {Milliseconds} ms)")]
    private partial void LogSnapshotInstalled(string file, int timers, long bytes, long milliseconds);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Critical, Message = "Snapshot {File} from the leader was accepted but cannot be read ({Error}: {Reason}); the node stops")]
    private partial void LogInstalledSnapshotUnreadable(string file, string error, string reason);
}

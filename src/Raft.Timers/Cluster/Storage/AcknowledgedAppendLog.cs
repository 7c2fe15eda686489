using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace RaftTimers.Cluster.Storage;

/// <summary>
/// DotNext's write-ahead log, except that appending entries at a given index — what a follower does for
/// AppendEntries and InstallSnapshot — returns only once those entries are flushed and the log's checkpoint
/// covers them. RaftCluster acknowledges AppendEntries to the leader when the append returns, so with this
/// an acknowledged entry survives the follower's crash.
/// </summary>
/// <remarks>
/// DotNext 6.12 acknowledges first: its flusher updates the checkpoint (which holds the last entry's index)
/// in the background, and on start the log ends where the checkpoint says. A follower killed in between
/// comes back without entries it acknowledged, even though their bytes are in its files. If that happens to a
/// majority (every node killed at once), an entry the old leader committed and applied is lost and then
/// overwritten by the new leader: the nodes' states diverge. The leader's own appends need nothing: its
/// commit already waits for its flush.
/// <para>
/// This re-implements <see cref="IAuditTrail{TEntry}"/> (its other members stay DotNext's) because
/// <see cref="IPersistentState"/> cannot be implemented outside DotNext and the append methods are not virtual.
/// </para>
/// <para>
/// DotNext's flush wait (behind both <c>FlushAsync</c> and <c>CommitAsync</c>) wakes one waiter only, so two callers
/// waiting at once could leave one waiting for ever. That cannot happen here: RaftCluster handles a follower's
/// requests one at a time, and a leader's commits stop before it steps down; nothing else in the node calls either.
/// Keep it that way.
/// </para>
/// </remarks>
public sealed class AcknowledgedAppendLog(WriteAheadLog.Options options, IStateMachine stateMachine)
    : WriteAheadLog(options, stateMachine), IAuditTrail<IRaftLogEntry>
{
    /// <summary>
    /// The log's chunk: DotNext's default of one page opens a file and a memory map per 4 KiB of log and runs out of
    /// file handles (docs/dotnext.md). A new chunk is a sparse file this large, filled as entries arrive.
    /// </summary>
    public const int ChunkBytes = 16 * 1024 * 1024;

    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntry>(ILogEntryProducer<TEntry> entries, long startIndex,
        bool skipCommitted, CancellationToken token)
    {
        await AppendAsync(entries, startIndex, skipCommitted, token).ConfigureAwait(false);
        await FlushAsync(token).ConfigureAwait(false);
    }

    async ValueTask IAuditTrail<IRaftLogEntry>.AppendAsync<TEntry>(TEntry entry, long startIndex, CancellationToken token)
    {
        await AppendAsync(entry, startIndex, token).ConfigureAwait(false);
        await FlushAsync(token).ConfigureAwait(false);
    }
}

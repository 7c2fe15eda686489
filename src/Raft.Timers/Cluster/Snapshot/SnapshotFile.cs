using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace RaftTimers.Cluster.Snapshot;

/// <summary>
/// A finished snapshot on disk as DotNext sees it: the entry the leader streams to a follower that is behind the
/// compacted log, and the point up to which the log may be compacted. Only complete, flushed files are ever
/// published as one (see <see cref="SnapshotDirectory"/>).
/// </summary>
internal sealed class SnapshotFile(FileInfo file, long index, long term) : ISnapshot
{
    public FileInfo File => file;

    /// <summary>The file's size, read once: a published snapshot never changes.</summary>
    public long Bytes { get; } = file.Length;

    public long Index => index;

    public long Term => term;

    long? IDataTransferObject.Length => Bytes;

    bool IDataTransferObject.IsReusable => true;

    async ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
    {
        // The file may be deleted by compaction while a follower still receives it; an open handle keeps its content.
        var stream = new FileStream(file.FullName, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        await using (stream.ConfigureAwait(false))
            await writer.CopyFromAsync(stream, null, token).ConfigureAwait(false);
    }
}

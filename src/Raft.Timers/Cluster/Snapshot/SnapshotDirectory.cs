using System.Globalization;
using System.Runtime.InteropServices;
using DotNext.IO;

namespace RaftTimers.Cluster.Snapshot;

/// <summary>
/// The snapshot files of one node, named <c>{index}-{term}</c> (the names DotNext's SimpleStateMachine used, so
/// existing data directories still load). A snapshot is written to a temporary file, flushed to disk, then renamed
/// into place and the directory flushed: a file under a snapshot name is always complete, whatever crashes or
/// cancellations happen meanwhile. Temporary files left by a crash are removed at start.
/// </summary>
internal sealed partial class SnapshotDirectory
{
    private const string TempSuffix = ".tmp";
    private readonly DirectoryInfo location;

    public SnapshotDirectory(DirectoryInfo location)
    {
        location.Create();
        this.location = location;
    }

    /// <summary>Removes temporary files a crashed write or install left behind.</summary>
    public void DeleteTemporaryFiles()
    {
        foreach (var file in location.EnumerateFiles("*" + TempSuffix))
            file.Delete();
    }

    /// <summary>The snapshot with the highest index, or null when there is none.</summary>
    public SnapshotFile? Latest()
    {
        (FileInfo File, long Index, long Term)? latest = null;
        foreach (var snapshot in Snapshots())
        {
            if (latest is null || snapshot.Index > latest.Value.Index)
                latest = snapshot;
        }

        return latest is { } found ? new SnapshotFile(found.File, found.Index, found.Term) : null;
    }

    /// <summary>Deletes snapshots below <paramref name="watermark"/> (DotNext guarantees nobody reads them any more).</summary>
    public void DeleteBelow(long watermark)
    {
        foreach (var snapshot in Snapshots())
        {
            if (snapshot.Index < watermark)
                snapshot.File.Delete();
        }
    }

    /// <summary>A new temporary file to write a snapshot into; commit or dispose it.</summary>
    public PendingSnapshot Create(long index, long term)
    {
        var temp = new FileInfo(Path.Combine(location.FullName, $"{index}-{term}.{Guid.NewGuid():N}{TempSuffix}"));
        var handle = File.OpenHandle(temp.FullName, FileMode.CreateNew, FileAccess.Write, FileShare.Read, FileOptions.None);
        return new PendingSnapshot(this, temp, index, term, handle);
    }

    private SnapshotFile Commit(PendingSnapshot pending)
    {
        var destination = new FileInfo(Path.Combine(location.FullName, $"{pending.Index}-{pending.Term}"));
        File.Move(pending.TempFile.FullName, destination.FullName, overwrite: true);
        FlushDirectory(location.FullName);
        destination.Refresh();
        return new SnapshotFile(destination, pending.Index, pending.Term);
    }

    /// <summary>The files named <c>{index}-{term}</c>; temporary files (<c>{index}-{term}.{guid}.tmp</c>) are not.</summary>
    private IEnumerable<(FileInfo File, long Index, long Term)> Snapshots()
    {
        foreach (var file in location.EnumerateFiles("*-*"))
        {
            var dash = file.Name.IndexOf('-', StringComparison.Ordinal);
            if (long.TryParse(file.Name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && long.TryParse(file.Name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var term))
                yield return (file, index, term);
        }
    }

    /// <summary>A rename is only durable once the directory itself is flushed.</summary>
    private static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"cannot open snapshot directory {path} to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"cannot flush snapshot directory {path} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>
    /// A snapshot being written, either synchronously with <see cref="Append"/> (a node's own snapshot, on its own
    /// thread) or through <see cref="Writer"/> (one received from the leader). Nothing is visible until it is committed.
    /// </summary>
    internal sealed class PendingSnapshot : IDisposable
    {
        private readonly SnapshotDirectory directory;
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        private FileWriter? writer;
        private long length;
        private bool committed;

        internal PendingSnapshot(SnapshotDirectory directory, FileInfo tempFile, long index, long term, Microsoft.Win32.SafeHandles.SafeFileHandle handle)
        {
            this.directory = directory;
            this.handle = handle;
            TempFile = tempFile;
            Index = index;
            Term = term;
        }

        public FileInfo TempFile { get; }

        public long Index { get; }

        public long Term { get; }

        /// <summary>An async writer over the file, for DotNext to copy a received snapshot into.</summary>
        public FileWriter Writer => writer ??= new FileWriter(handle) { MaxBufferSize = 1 << 20 };

        public void Append(ReadOnlySpan<byte> bytes)
        {
            RandomAccess.Write(handle, bytes, length);
            length += bytes.Length;
        }

        /// <summary>Flushes what was written to disk (still not visible).</summary>
        public void FlushToDisk() => RandomAccess.FlushToDisk(handle);

        /// <summary>Renames the flushed file into place; from now on it is the snapshot <c>{Index}-{Term}</c>.</summary>
        public SnapshotFile Commit()
        {
            Close();
            committed = true;
            return directory.Commit(this);
        }

        public void Dispose()
        {
            if (committed)
                return;
            Close();
            TempFile.Delete();
        }

        private void Close()
        {
            writer?.Dispose();
            handle.Dispose();
        }
    }
}

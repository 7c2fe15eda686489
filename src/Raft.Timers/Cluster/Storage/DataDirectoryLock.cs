namespace RaftTimers.Cluster.Storage;

/// <summary>
/// Holds an exclusive lock file in the data directory for the life of the node, so two processes
/// can never share one Raft log.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream file;

    private DataDirectoryLock(FileStream file) => this.file = file;

    public static DataDirectoryLock Acquire(string directory)
    {
        DataDirectoryAccess.Restrict(directory);
        var path = Path.Combine(directory, "LOCK");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataDirectoryLock(stream);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"data directory {directory} is in use by another process ({e.Message})", e);
        }
    }

    public void Dispose() => file.Dispose();
}

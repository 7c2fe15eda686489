using System.Diagnostics;

namespace RaftTimers.Tools.Cluster;

/// <summary>
/// An exclusive lock on DIR/cluster.lock, held by every command that starts or signals nodes, so two
/// invocations on the same DIR (say a test's restart racing its cleanup's stop) cannot overwrite each
/// other's PIDs in cluster.json. .NET takes an advisory flock for <see cref="FileShare.None"/>, which the
/// kernel drops when this process exits, and opens it close-on-exec, so node processes never inherit it.
/// The file is left in place: deleting a lock file races with the next process opening it.
/// </summary>
internal sealed class DataDirLock : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    private readonly FileStream _stream;

    private DataDirLock(FileStream stream) => _stream = stream;

    public static DataDirLock Acquire(string dataRoot)
    {
        var path = Path.Combine(dataRoot, ClusterLayout.LockFileName);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new DataDirLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path) && waited.Elapsed < s_wait)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new ToolFailure($"another cluster command is still working on {dataRoot} (lock {path}): {e.Message}");
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}

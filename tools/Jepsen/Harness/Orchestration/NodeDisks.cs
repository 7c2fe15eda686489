using RaftTimers.JepsenLike.Network;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// A small tmpfs of its own for each node's data directory, so the disk nemesis can fill one node's file system
/// (docs/storage.md) without touching the machine's. A filler file takes the space and deleting it gives the space
/// back. Mounting needs root on Linux; the mounts are lazily unmounted and removed on dispose.
/// </summary>
public sealed class NodeDisks : IAsyncDisposable
{
    /// <summary>Room for a run's log and snapshots with the node's storage limits well above what they take.</summary>
    public const long SizeBytes = 768L << 20;

    /// <summary>The storage limits the nodes run with on these disks (RaftTimers:Storage, docs/storage.md).</summary>
    public const long MinFreeBytes = 128L << 20;

    public const long StopBelowBytes = 48L << 20;

    public static readonly string[] NodeArgs =
    [
        $"--RaftTimers:Storage:MinFreeBytes={MinFreeBytes}",
        $"--RaftTimers:Storage:StopBelowBytes={StopBelowBytes}",
    ];

    private const string FillerName = "filler";

    private readonly string root;
    private readonly List<string> mounted = [];

    private NodeDisks(string root) => this.root = root;

    /// <summary>Null when tmpfs mounts can be made here; otherwise why not (reported as NOT RUN).</summary>
    public static string? WhyNotAvailable()
        => OperatingSystem.IsLinux() && Environment.UserName == "root" && Shell.Exists("mount")
            ? null
            : "NOT RUN: the disk faults mount a tmpfs per node, which needs root on Linux";

    public static async Task<NodeDisks> MountAsync(string runDirectory, IEnumerable<string> ids)
    {
        var disks = new NodeDisks(Path.Combine(runDirectory, "disks"));
        try
        {
            foreach (var id in ids)
            {
                var mount = disks.MountOf(id);
                Directory.CreateDirectory(mount);
                await Shell.RunAsync(["mount", "-t", "tmpfs", "-o", $"size={SizeBytes},mode=700", "tmpfs", mount]).ConfigureAwait(false);
                disks.mounted.Add(mount);
            }
        }
        catch
        {
            await disks.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return disks;
    }

    /// <summary>A directory inside the mount, so that wiping a node's data never tries to remove the mount point.</summary>
    public string DataDirectoryOf(string id) => Path.Combine(MountOf(id), "data");

    public long FreeBytes(string id) => new DriveInfo(MountOf(id)).AvailableFreeSpace;

    /// <summary>Takes the node's free space down to <paramref name="leaveFreeBytes"/> (allocated at once, not written).</summary>
    public void Fill(string id, long leaveFreeBytes)
    {
        var filler = Path.Combine(MountOf(id), FillerName);
        File.Delete(filler);
        var take = FreeBytes(id) - leaveFreeBytes;
        if (take <= 0)
            return;
        using var file = new FileStream(filler, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = take });
    }

    public void Free(string id) => File.Delete(Path.Combine(MountOf(id), FillerName));

    private string MountOf(string id) => Path.Combine(root, id);

    public async ValueTask DisposeAsync()
    {
        foreach (var mount in mounted)
        {
            var result = await Shell.TryRunAsync(["umount", "-l", mount]).ConfigureAwait(false);
            if (result.ExitCode == 0)
                Directory.Delete(mount, recursive: true);
        }

        mounted.Clear();
    }
}

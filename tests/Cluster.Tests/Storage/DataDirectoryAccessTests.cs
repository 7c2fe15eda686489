using RaftTimers.Cluster.Storage;

namespace RaftTimers.Tests;

/// <summary>The data directory belongs to the node's user alone: directories 0700, files 0600, old ones narrowed at start.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryAccessTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "rafttimers-access-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void Files_and_directories_left_open_by_an_older_build_are_narrowed_and_new_files_are_private()
    {
        var snapshots = Path.Combine(root, "snapshots");
        Directory.CreateDirectory(snapshots, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var old = Path.Combine(snapshots, "snapshot-1");
        File.WriteAllText(old, "timers");
        File.SetUnixFileMode(old, (UnixFileMode)0b110_100_100);
        var readOnly = Path.Combine(root, "readonly");
        File.WriteAllText(readOnly, "x");
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.GroupRead);

        using (DataDirectoryLock.Acquire(root))
        {
            Assert.Equal(DataDirectoryAccess.DirectoryMode, File.GetUnixFileMode(root));
            Assert.Equal(DataDirectoryAccess.DirectoryMode, File.GetUnixFileMode(snapshots));
            Assert.Equal(DataDirectoryAccess.FileMode, File.GetUnixFileMode(old));
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(readOnly)); // narrowed, never widened
            Assert.Equal(DataDirectoryAccess.FileMode, File.GetUnixFileMode(Path.Combine(root, "LOCK")));

            var later = Path.Combine(root, "later");
            File.WriteAllText(later, "made after the start");
            Assert.Equal(DataDirectoryAccess.FileMode, File.GetUnixFileMode(later));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }
}

using System.Runtime.InteropServices;

namespace RaftTimers.Cluster.Storage;

/// <summary>
/// Keeps the data directory to the node's own user: the directory and those below it 0700, every file 0600. The log
/// and snapshots hold every timer's callback URI and data, which may carry credentials of the receivers. Files made
/// later by the process (the log's chunks, snapshots, membership) get 0600 through the process's file-creation mask;
/// files from an older build, or a copy, are narrowed at start.
/// </summary>
internal static partial class DataDirectoryAccess
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory if it is missing and narrows it and everything below it; a no-op where modes do not exist.</summary>
    public static void Restrict(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        // Everything the process creates from now on: rw for the owner only (the mask clears group and other bits).
        _ = SetFileCreationMask(0b000_111_111);
        Directory.CreateDirectory(directory, DirectoryMode);
        File.SetUnixFileMode(directory, DirectoryMode);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var isDirectory = Directory.Exists(entry);
            var wanted = isDirectory ? DirectoryMode : FileMode;
            if ((File.GetUnixFileMode(entry) & ~wanted) != 0)
                File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) & wanted);
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint SetFileCreationMask(uint mask);
}

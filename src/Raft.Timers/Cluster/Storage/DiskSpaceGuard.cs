using Microsoft.Extensions.Logging;

namespace RaftTimers.Cluster.Storage;

/// <summary>
/// Watches the free space of the file system that holds the data directory (docs/storage.md). The write-ahead log
/// writes through memory-mapped files that grow sparsely, so a write the disk has no room for is not an error the
/// node can answer: the kernel kills the process (SIGBUS) in the middle of writing the log. So the node acts before
/// that. Below <see cref="StorageOptions.MinFreeBytes"/> the leader refuses creates and replaces (507) while cancels,
/// fires and purges, which free space or are small, go on; below <see cref="StorageOptions.StopBelowBytes"/> the node
/// stops, logged, with its log intact, and refuses to start again until there is room.
/// </summary>
public sealed partial class DiskSpaceGuard : IDisposable
{
    private readonly string directory;
    private readonly StorageOptions options;
    private readonly Action<string> stop;
    private readonly ILogger logger;
    private readonly ITimer poll;
    private long freeBytes;
    private int low;
    private int stopping;

    /// <param name="stop">Called once when free space falls below <see cref="StorageOptions.StopBelowBytes"/>, with the reason; it must end the process.</param>
    public DiskSpaceGuard(string directory, StorageOptions options, TimeProvider clock, Action<string> stop, ILogger<DiskSpaceGuard> logger)
    {
        this.directory = directory;
        this.options = options;
        this.stop = stop;
        this.logger = logger;
        freeBytes = FreeBytesOf(directory);
        Check();
        poll = clock.CreateTimer(_ => Check(), null, TimeSpan.FromMilliseconds(options.CheckIntervalMs), TimeSpan.FromMilliseconds(options.CheckIntervalMs));
    }

    /// <summary>Free bytes available to this process in the data directory's file system, as of the last check.</summary>
    public long FreeBytes => Interlocked.Read(ref freeBytes);

    /// <summary>Below <see cref="StorageOptions.MinFreeBytes"/>: creates and replaces are refused.</summary>
    public bool IsLow => Volatile.Read(ref low) == 1;

    /// <summary>The reason a create or replace is refused while space is low.</summary>
    public string LowReason
        => $"the leader's data directory has {FreeBytes / (1024 * 1024)} MiB free, below RaftTimers:Storage:MinFreeBytes "
           + $"({options.MinFreeBytes / (1024 * 1024)} MiB): creates and replaces wait until there is room; cancels still work";

    /// <summary>
    /// Null when <paramref name="directory"/> has room to start in; otherwise why not. Called before the node opens its log,
    /// which writes as it opens.
    /// </summary>
    public static string? WhyNotStart(string directory, StorageOptions options)
    {
        var free = FreeBytesOf(directory);
        return free < options.StopBelowBytes
            ? $"the data directory {directory} has {free / (1024 * 1024)} MiB free, below RaftTimers:Storage:StopBelowBytes ({options.StopBelowBytes / (1024 * 1024)} MiB); free some space first"
            : null;
    }

    /// <summary>The free space where <paramref name="directory"/> lives (its closest existing ancestor, before it is created).</summary>
    public static long FreeBytesOf(string directory)
    {
        var existing = new DirectoryInfo(directory);
        while (!existing.Exists && existing.Parent is not null)
            existing = existing.Parent;
        return new DriveInfo(existing.FullName).AvailableFreeSpace;
    }

    private void Check()
    {
        long free;
        try
        {
            free = FreeBytesOf(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            LogCheckFailed(e);
            return;
        }

        Interlocked.Exchange(ref freeBytes, free);
        var isLow = free < options.MinFreeBytes;
        if (Interlocked.Exchange(ref low, isLow ? 1 : 0) != (isLow ? 1 : 0))
        {
            if (isLow)
                LogLow(free / (1024 * 1024), options.MinFreeBytes / (1024 * 1024));
            else
                LogRoomAgain(free / (1024 * 1024));
        }

        if (free < options.StopBelowBytes && Interlocked.Exchange(ref stopping, 1) == 0)
        {
            var reason = $"the data directory has {free / (1024 * 1024)} MiB free, below RaftTimers:Storage:StopBelowBytes "
                         + $"({options.StopBelowBytes / (1024 * 1024)} MiB): stopping before the log cannot be written; start again once there is room";
            LogStopping(reason);
            stop(reason);
        }
    }

    public void Dispose() => poll.Dispose();

    [LoggerMessage(EventId = 5501, Level = LogLevel.Warning, Message = "Data directory low on space: {FreeMiB} MiB free, below {MinFreeMiB} MiB; creates and replaces are refused (507) until there is room")]
    private partial void LogLow(long freeMiB, long minFreeMiB);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Information, Message = "Data directory has room again: {FreeMiB} MiB free; creates and replaces accepted")]
    private partial void LogRoomAgain(long freeMiB);

    [LoggerMessage(EventId = 5503, Level = LogLevel.Critical, Message = "Stopping: {Reason}")]
    private partial void LogStopping(string reason);

    [LoggerMessage(EventId = 5504, Level = LogLevel.Warning, Message = "Could not read the data directory's free space")]
    private partial void LogCheckFailed(Exception e);
}

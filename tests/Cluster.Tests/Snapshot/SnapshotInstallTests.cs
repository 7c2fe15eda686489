using DotNext.IO;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// The follower's side of a snapshot install, through DotNext's real write-ahead log (the path RaftCluster takes for
/// an InstallSnapshot request), and the node's own snapshots. The regression behind these tests: a follower whose
/// install was cancelled by the request timeout kept the snapshot anyway, the leader never learned it, and the
/// follower then rejected every retry of that snapshot as already covered — stuck without a leader for good.
/// </summary>
public sealed class SnapshotInstallTests : IAsyncLifetime
{
    private const long SnapshotIndex = 3, SnapshotTerm = 2;
    private readonly string root = Path.Combine(Path.GetTempPath(), "rt-snapshot-" + Guid.NewGuid().ToString("N"));
    private readonly Transcript leader = LeaderState();
    private readonly List<(LogApplier Machine, WriteAheadLog Log)> opened = [];

    private string SnapshotsDirectory => Path.Combine(root, "snapshots");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (machine, log) in opened)
        {
            await log.DisposeAsync();
            await machine.DisposeAsync();
        }

        Directory.Delete(root, recursive: true);
    }

    /// <summary>The leader's state at <see cref="SnapshotIndex"/>: three entries of timers.</summary>
    private static Transcript LeaderState()
    {
        var t = new Transcript();
        t.At(1_000, [.. Enumerable.Range(0, 50).Select(i => new CreateTimer($"t-{i:D3}", Specs.Http(60_000 + i)))]);
        t.At(2_000, new FireTimer("t-000", 1), new CancelTimer("t-001"));
        t.At(3_000, new RecordDelivery("t-000", 1, 1, DeliveryOutcome.Delivered, null));
        Assert.Equal(SnapshotIndex, t.Index);
        return t;
    }

    private async Task<(AppliedState Store, LogApplier Machine, WriteAheadLog Log)> OpenNodeAsync(
        long snapshotEveryEntries = 1_000, Func<Task>? beforeInstalledLoad = null)
    {
        var store = new AppliedState();
        var machine = new LogApplier(new DirectoryInfo(SnapshotsDirectory), store,
            new SnapshotPolicy(snapshotEveryEntries, long.MaxValue), e => Assert.Fail($"fatal: {e}"), NullLogger.Instance)
        {
            BeforeInstalledLoad = beforeInstalledLoad,
        };
        await machine.RestoreAsync(CancellationToken.None);
        var log = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(root, "wal"), ChunkSize = 1 << 20 }, machine);
        await log.InitializeAsync();
        opened.Add((machine, log));
        return (store, machine, log);
    }

    private static byte[] Bytes(AppliedState store) => store.Read(SnapshotCodec.Write);

    private string[] SnapshotFiles() => [.. Directory.GetFiles(SnapshotsDirectory).Select(Path.GetFileName).Order()!];

    [Theory]
    [InlineData(CancelAt.HalfwayThroughTransfer)]
    [InlineData(CancelAt.AfterTransfer)]
    public async Task A_cancelled_install_leaves_no_trace_and_the_leaders_retry_is_accepted(CancelAt when)
    {
        var (store, _, log) = await OpenNodeAsync();
        var before = Bytes(store);
        using var timeout = new CancellationTokenSource();
        var snapshot = new SnapshotEntry(SnapshotCodec.Write(leader.State), SnapshotTerm, when, timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => log.AppendAsync(snapshot, SnapshotIndex, timeout.Token).AsTask());

        Assert.Equal(0, log.LastCommittedEntryIndex);
        Assert.Equal(before, Bytes(store));
        Assert.Empty(SnapshotFiles());

        // The leader's next attempt at the same snapshot: a follower that had kept the first would reject it.
        await log.AppendAsync(new SnapshotEntry(SnapshotCodec.Write(leader.State), SnapshotTerm), SnapshotIndex);
        await store.Current.WaitAsync(TimeSpan.FromSeconds(30)); // the state is loaded after the install is answered

        Assert.Equal(SnapshotIndex, log.LastCommittedEntryIndex);
        Assert.Equal(SnapshotCodec.Write(leader.State), Bytes(store));
        Assert.Equal([$"{SnapshotIndex}-{SnapshotTerm}"], SnapshotFiles());
    }

    [Fact]
    public async Task An_install_is_answered_once_the_file_is_in_place_and_the_state_is_loaded_after_it()
    {
        // Parsing a large snapshot takes longer than one Raft request may last; held back here for as long as the test
        // likes, it must not hold back the answer to the request.
        var parse = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (store, _, log) = await OpenNodeAsync(beforeInstalledLoad: () => parse.Task);
        var before = Bytes(store);
        using var request = new CancellationTokenSource();
        try
        {
            await InstallWhileTheParseIsHeldBackAsync(store, log, before, request, parse);
        }
        finally
        {
            parse.TrySetResult(); // a failed assertion must not leave the install waiting for ever
        }
    }

    private async Task InstallWhileTheParseIsHeldBackAsync(
        AppliedState store, WriteAheadLog log, byte[] before, CancellationTokenSource request, TaskCompletionSource parse)
    {
        await log.AppendAsync(new SnapshotEntry(SnapshotCodec.Write(leader.State), SnapshotTerm), SnapshotIndex, request.Token)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await request.CancelAsync(); // the request's deadline passes while the state is still being loaded

        Assert.Equal(SnapshotIndex, log.LastCommittedEntryIndex);
        Assert.Equal([$"{SnapshotIndex}-{SnapshotTerm}"], SnapshotFiles());
        Assert.False(store.Current.IsCompleted);
        Assert.Equal(before, Bytes(store)); // readers that need the applied state wait for Current

        // The next entry arrives meanwhile: committed, and applied only on top of the loaded snapshot.
        var next = LogEntryCodec.Encode(4_000, [new CreateTimer("after-install", Specs.Http(60_000))]);
        await log.AppendAsync(new BinaryLogEntry { Term = SnapshotTerm, Content = next }, SnapshotIndex + 1);
        await log.CommitAsync(SnapshotIndex + 1);
        var applied = log.WaitForApplyAsync(SnapshotIndex + 1).AsTask();
        Assert.False(applied.IsCompleted);

        parse.SetResult();
        await store.Current.WaitAsync(TimeSpan.FromSeconds(30));
        await applied.WaitAsync(TimeSpan.FromSeconds(30));

        // An entry applied to the old state, before the snapshot was swapped in, would be missing here.
        var expected = leader.State;
        expected.Apply(SnapshotIndex + 1, next, null, []);
        Assert.Equal(SnapshotCodec.Write(expected), Bytes(store));
    }

    [Fact]
    public async Task A_snapshot_over_2_GiB_is_restored_from_disk()
    {
        // 2,100 timers with 1 MiB of data each: past what one byte array can hold. The written image shares one data
        // array; the restored state holds each timer's own.
        const int Timers = 2_100, DataBytes = 1 << 20;
        var data = new TimerData(TimerDataKind.Text, Enumerable.Repeat((byte)'x', DataBytes).ToArray());
        var records = Enumerable.Range(0, Timers)
            .Select(i => new TimerRecord($"big-{i:D5}", 1, TimerStatus.Pending, 1_000, 1_000 + 3_600_000, Specs.Http(3_600_000, data: data), 0, null, 0))
            .ToArray();
        Directory.CreateDirectory(SnapshotsDirectory);
        var path = Path.Combine(SnapshotsDirectory, $"{Timers}-1");
        using (var file = File.Create(path))
        {
            foreach (var chunk in SnapshotCodec.WriteInChunks(new SnapshotImage(Timers, 1_000, records), 1 << 22))
                file.Write(chunk.Span);
        }

        Assert.True(new FileInfo(path).Length > int.MaxValue, $"the snapshot is {new FileInfo(path).Length} bytes");
        records = null;

        var (store, _, log) = await OpenNodeAsync();

        Assert.Equal(Timers, log.LastCommittedEntryIndex);
        Assert.Equal(Timers, store.Read(s => s.Count));
        Assert.Equal(Timers, store.PendingCount);
        var last = store.Read(s => s.Find($"big-{Timers - 1:D5}"));
        Assert.NotNull(last);
        Assert.Equal(DataBytes, last.Spec.Data.Utf8.Length);
        File.Delete(path);
    }

    [Fact]
    public async Task An_installed_snapshot_survives_a_restart_and_a_crashed_installs_temporary_file_is_ignored()
    {
        var (_, machine, log) = await OpenNodeAsync();
        await log.AppendAsync(new SnapshotEntry(SnapshotCodec.Write(leader.State), SnapshotTerm), SnapshotIndex);
        await log.DisposeAsync();
        await machine.DisposeAsync();
        opened.Clear();

        // What a crash during a later install leaves: a partial file under a temporary name, at a higher index.
        var partial = SnapshotCodec.Write(leader.State);
        await File.WriteAllBytesAsync(Path.Combine(SnapshotsDirectory, $"9-{SnapshotTerm}.0123abcd.tmp"), partial.AsMemory(0, partial.Length / 2));

        var (store, _, reopened) = await OpenNodeAsync();

        Assert.Equal(SnapshotCodec.Write(leader.State), Bytes(store));
        Assert.Equal(SnapshotIndex, reopened.LastCommittedEntryIndex);
        Assert.Equal([$"{SnapshotIndex}-{SnapshotTerm}"], SnapshotFiles());
    }

    [Fact]
    public async Task Own_snapshots_hold_the_state_at_their_index_and_older_ones_are_reclaimed()
    {
        var (store, machine, log) = await OpenNodeAsync(snapshotEveryEntries: 2);
        ISnapshotManager snapshots = machine;
        var entries = new List<byte[]>();

        // Policy: a snapshot every 2 entries, written on its own thread; append two, wait for it, append two more.
        async Task<SnapshotFile> AppendTwoAndWaitForSnapshotAsync()
        {
            for (var n = 0; n < 2; n++)
            {
                var i = entries.Count;
                entries.Add(LogEntryCodec.Encode(1_000 + i, [new CreateTimer($"own-{i}", Specs.Http(60_000)), new CancelTimer($"own-{i - 1}")]));
                await log.AppendAsync(new BinaryLogEntry { Term = 1, Content = entries[^1] });
                await log.CommitAsync(entries.Count);
                await log.WaitForApplyAsync(entries.Count);
            }

            Assert.Equal(entries.Count, store.LastAppliedIndex);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (snapshots.Snapshot is not SnapshotFile latest || latest.Index < entries.Count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no snapshot at {entries.Count} within 30 s");
                await Task.Yield();
            }

            return (SnapshotFile)snapshots.Snapshot!;
        }

        var first = await AppendTwoAndWaitForSnapshotAsync();
        var second = await AppendTwoAndWaitForSnapshotAsync();
        Assert.Equal([2L, 4L], [first.Index, second.Index]);

        // The log may reclaim the first snapshot as soon as the second is published: compare the second's bytes.
        var replica = new TimerStateMachine();
        foreach (var entry in entries.Take((int)second.Index))
            replica.Apply(replica.LastAppliedIndex + 1, entry, null, []);
        Assert.Equal(SnapshotCodec.Write(replica), await File.ReadAllBytesAsync(second.File.FullName));

        await snapshots.ReclaimGarbageAsync(second.Index, CancellationToken.None);
        Assert.Equal([second.File.Name], SnapshotFiles());
    }

    public enum CancelAt
    {
        Never,
        HalfwayThroughTransfer,
        AfterTransfer,
    }

    /// <summary>A snapshot as the leader streams it; optionally the request times out part-way.</summary>
    private sealed class SnapshotEntry(byte[] content, long term, CancelAt cancelAt = CancelAt.Never, CancellationTokenSource? timeout = null)
        : IRaftLogEntry
    {
        public long Term => term;

        bool ILogEntry.IsSnapshot => true;

        bool IDataTransferObject.IsReusable => true;

        long? IDataTransferObject.Length => content.Length;

        async ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token)
        {
            var half = content.Length / 2;
            await writer.Invoke(content.AsMemory(0, half), token);
            if (cancelAt == CancelAt.HalfwayThroughTransfer)
            {
                await timeout!.CancelAsync();
                token.ThrowIfCancellationRequested();
            }

            await writer.Invoke(content.AsMemory(half), token);
            if (cancelAt == CancelAt.AfterTransfer)
                await timeout!.CancelAsync();
        }
    }
}

using System.Buffers;
using DotNext.IO.Log;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Cluster.Storage;

namespace RaftTimers.Tests;

/// <summary>
/// A follower's acknowledgement must survive its crash. RaftCluster acknowledges AppendEntries when the log's
/// append at an index returns; these tests append the way it does and then read the log the way a node restarted
/// after <c>kill -9</c> would: from a copy of its files taken at that moment, with no shutdown. The regression: DotNext's
/// own log moved its checkpoint (where a restart ends the log) in the background, so a follower killed just after
/// acknowledging came back without the entries, and a Jepsen-like kill-all run saw two nodes apply different
/// entries at the same index.
/// </summary>
public sealed class AcknowledgedAppendTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "rt-ack-" + Guid.NewGuid().ToString("N"));
    private readonly List<IAsyncDisposable> opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = opened.Count - 1; i >= 0; i--)
            await opened[i].DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    private async Task<WriteAheadLog> OpenAsync(string name, Func<WriteAheadLog.Options, IStateMachine, WriteAheadLog> create)
    {
        var machine = new LogApplier(new DirectoryInfo(Path.Combine(root, name, "snapshots")), new(),
            new SnapshotPolicy(1_000_000, long.MaxValue), e => Assert.Fail($"fatal: {e}"), NullLogger.Instance);
        await machine.RestoreAsync(CancellationToken.None);
        var log = create(new WriteAheadLog.Options
        {
            Location = Path.Combine(root, name, "wal"),
            ChunkSize = 1 << 20,
            HashAlgorithm = WriteAheadLog.IntegrityHashAlgorithm.Crc32,
        }, machine);
        opened.Add(machine);
        opened.Add(log);
        await log.InitializeAsync();
        return log;
    }

    /// <summary>What <c>kill -9</c> of the process leaves on disk: its files as they are now, page cache included.</summary>
    private void CopyAsIfKilled(string from, string to)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(root, from), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, to, Path.GetRelativePath(Path.Combine(root, from), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static ILogEntryProducer<BinaryLogEntry> Entries(long term, long firstIndex, int count) =>
        new LogEntryProducer<BinaryLogEntry>([.. Enumerable.Range(0, count).Select(i => new BinaryLogEntry
        {
            Term = term,
            Content = Payload(term, firstIndex + i),
        })]);

    private static byte[] Payload(long term, long index) => System.Text.Encoding.UTF8.GetBytes($"term {term} index {index}");

    private const int Rounds = 20;

    /// <summary>Reads the log a restart would find in a copy of <paramref name="node"/>'s files and checks every entry.</summary>
    private async Task AssertRestartFindsAsync(string node, int copy, long lastIndex, Func<long, long> termAt)
    {
        var restartedName = $"{node}-killed-{copy}";
        CopyAsIfKilled(node, restartedName);
        var restarted = await OpenAsync(restartedName, (o, m) => new WriteAheadLog(o, m));

        Assert.Equal(lastIndex, restarted.LastEntryIndex);
        using var read = await restarted.ReadAsync(1, lastIndex);
        Assert.Equal((int)lastIndex, read.Count);
        foreach (var entry in read)
        {
            Assert.Equal(termAt(entry.Index), entry.Term);
            Assert.True(entry.TryGetPayload(out var payload));
            Assert.Equal(Payload(entry.Term, entry.Index), payload.ToArray());
        }
    }

    // Each case checks after every one of several appends: DotNext's background flusher may win the race with the
    // copy now and then (on a fast disk or tmpfs it often does), but not every time.
    [Fact]
    public async Task Entries_a_follower_acknowledged_are_in_its_log_after_it_is_killed()
    {
        IAuditTrail<IRaftLogEntry> follower = await OpenAsync("node", (o, m) => new AcknowledgedAppendLog(o, m));
        for (var round = 0; round < Rounds; round++)
        {
            // One AppendEntries request of ten entries, acknowledged when the append returns.
            await follower.AppendAsync(Entries(term: 1, firstIndex: (round * 10) + 1, count: 10), startIndex: (round * 10) + 1, skipCommitted: true);
            await AssertRestartFindsAsync("node", round, (round + 1) * 10, _ => 1);
        }
    }

    [Fact]
    public async Task A_replaced_tail_is_what_the_follower_finds_after_it_is_killed()
    {
        IAuditTrail<IRaftLogEntry> follower = await OpenAsync("node", (o, m) => new AcknowledgedAppendLog(o, m));
        await follower.AppendAsync(Entries(term: 1, firstIndex: 1, count: 400), startIndex: 1, skipCommitted: true);
        for (var round = 0; round < Rounds; round++)
        {
            // Each round a new leader (term 2, 3, ...) replaces the tail from index 101 with a shorter one.
            var term = round + 2L;
            var count = 200 - (round * 5);
            await follower.AppendAsync(Entries(term, firstIndex: 101, count), startIndex: 101, skipCommitted: true);
            await AssertRestartFindsAsync("node", round, 100 + count, index => index > 100 ? term : 1);
        }
    }

    [Fact]
    public async Task An_entry_appended_alone_at_an_index_is_in_the_log_after_it_is_killed()
    {
        IAuditTrail<IRaftLogEntry> follower = await OpenAsync("node", (o, m) => new AcknowledgedAppendLog(o, m));
        for (var index = 1L; index <= Rounds; index++)
        {
            await follower.AppendAsync(new BinaryLogEntry { Term = 1, Content = Payload(1, index) }, index);
            await AssertRestartFindsAsync("node", (int)index, index, _ => 1);
        }
    }
}

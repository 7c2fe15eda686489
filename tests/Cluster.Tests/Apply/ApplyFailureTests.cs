using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// A node whose apply loop fails must stop, loudly: DotNext's write-ahead log stops applying after an exception from
/// the state machine, so a node that stayed up would time out every request while looking alive.
/// </summary>
public sealed class ApplyFailureTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("rt-apply-").FullName;

    [Fact]
    public async Task Any_failure_while_applying_an_entry_reaches_the_fatal_error_handler()
    {
        var fatal = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new AppliedState();
        var machine = new LogApplier(new DirectoryInfo(Path.Combine(root, "snapshots")), store,
            new SnapshotPolicy(1_000, long.MaxValue), e => fatal.TrySetResult(e), NullLogger.Instance);
        await machine.RestoreAsync(CancellationToken.None);
        var log = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(root, "wal"), ChunkSize = 1 << 20 }, machine);
        try
        {
            await log.InitializeAsync();
            // Not a codec or invariant error: what running out of memory in the leader's event hand-off would look like.
            store.AttachLeader(_ => throw new InsufficientMemoryException("simulated"));

            await log.AppendAsync(new BinaryLogEntry { Term = 1, Content = LogEntryCodec.Encode(1_000, [new CreateTimer("a", Specs.Http(60_000))]) });
            await log.CommitAsync(1);

            var error = await fatal.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.IsType<InsufficientMemoryException>(error);
        }
        finally
        {
            await log.DisposeAsync();
            await machine.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}

using System.Collections.Concurrent;
using System.Reflection;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Lead;
using RaftTimers.Cluster.Propose;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// The term a leader writes its entries in. DotNext writes an entry with the term the caller gives, and a vote
/// request from a higher term bumps the node's in-memory term before the leadership token is cancelled: a leader that
/// took that term could append entries in the next term, which would match the next leader's entries at their index
/// and never be truncated. A fake Raft member (its log a real write-ahead log) plays both orders of events.
/// </summary>
public sealed class LeaderTermTests : IDisposable
{
    private const long ElectedTerm = 5;
    private readonly string root = Directory.CreateTempSubdirectory("rt-term-").FullName;

    [Fact]
    public async Task A_leader_writes_in_the_term_it_was_elected_in()
    {
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm);

        await Eventually.WaitUntilAsync(() => run.Proposer.Term is not null, "the leader to begin its term");
        Assert.Equal(ElectedTerm, run.Proposer.Term);
        await run.Proposer.ProposeAsync(new PurgeFinished(0));
        Assert.Equal([ElectedTerm], run.Cluster.Appended);
    }

    [Fact]
    public async Task A_burst_of_due_timers_is_proposed_no_faster_than_the_fires_in_flight_allow()
    {
        // 5,000 timers due at once, and no fire ever confirmed: only MaxFiresInFlight fires may be proposed, the rest
        // wait on the leader (issue 15, point 11), leaving the proposer free for client writes.
        var options = new LeaderOptions { MaxFiresInFlight = 100 };
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm, options, store =>
            store.Apply(2, LogEntryCodec.Encode(1_000, [.. Enumerable.Range(0, 5_000).Select(i => new CreateTimer($"due-{i:D4}", Specs.Http(1)))]), null),
            holdReplication: true);

        await Eventually.WaitUntilAsync(() => run.Cluster.Fires >= 100, "the first fires to be proposed");
        var reads = run.Clock.Reads;
        await Eventually.WaitUntilAsync(() => run.Clock.Reads >= reads + 100, "the leader's wheel to tick a hundred more times");
        Assert.Equal(100, run.Cluster.Fires);
    }

    [Fact]
    public async Task A_leader_fires_nothing_until_a_majority_of_members_confirms_its_clock()
    {
        // Three members, and no sample of the other two yet: this leader's clock may be an hour ahead of theirs.
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm, seed: store =>
            store.Apply(2, LogEntryCodec.Encode(1_000, [.. Enumerable.Range(0, 10).Select(i => new CreateTimer($"due-{i}", Specs.Http(1)))]), null),
            clockPeers: ["b", "c"]);

        await Eventually.WaitUntilAsync(() => run.Log.Warnings.Any(w => w.Contains("Holding fires", StringComparison.Ordinal)), "the leader to hold its fires");
        var reads = run.Clock.Reads;
        await Eventually.WaitUntilAsync(() => run.Clock.Reads >= reads + 100, "the leader's wheel to tick a hundred more times");
        Assert.Equal(0, run.Cluster.Fires);

        // One member's clock agrees with this one's: with this node, a majority of three.
        var now = run.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var at = run.Clock.GetTimestamp();
        run.ClusterClock.Record("b", now, at, at, now + 20);
        await Eventually.WaitUntilAsync(() => run.Cluster.Fires == 10, "the ten due timers to be fired");
    }

    [Fact]
    public async Task A_leader_whose_clock_a_majority_disagrees_with_stamps_nothing()
    {
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm, clockPeers: ["b", "c"]);
        await Eventually.WaitUntilAsync(() => run.Proposer.Term is not null, "the leader to begin its term");

        // Both other members' clocks are an hour behind this one's, and agree with each other.
        var now = run.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var at = run.Clock.GetTimestamp();
        run.ClusterClock.Record("b", now, at, at, now - 3_600_000);
        run.ClusterClock.Record("c", now, at, at, now - 3_600_040);
        var result = await run.Proposer.ProposeAsync(new PurgeFinished(0));

        Assert.Equal(CommandOutcome.NotLeader, result.Outcome);
        Assert.Contains("clock", result.Reason, StringComparison.Ordinal);
        Assert.Empty(run.Cluster.Appended);
    }

    [Fact]
    public async Task Events_beyond_the_queue_bound_are_dropped_and_the_leader_rebuilds_its_wheel_so_every_due_timer_fires()
    {
        // The leader's loop takes at most 16 events at a time; 500 creates applied in one entry overflow it.
        var options = new LeaderOptions { MaxQueuedEvents = 16 };
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm, options);
        await Eventually.WaitUntilAsync(() => run.Proposer.Term is not null, "the leader to begin its term");

        var stamp = run.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        run.Store.Apply(2, LogEntryCodec.Encode(stamp, [.. Enumerable.Range(0, 500).Select(i => new CreateTimer($"flood-{i:D3}", Specs.Http(1)))]), null);

        await Eventually.WaitUntilAsync(() => run.Log.Warnings.Any(w => w.Contains("rebuilt the wheel", StringComparison.Ordinal)), "the leader to rebuild its wheel");
        await Eventually.WaitUntilAsync(() => run.Cluster.Fires == 500, "every one of the 500 timers to be fired");
    }

    [Fact]
    public async Task A_stamp_sixty_days_ahead_makes_the_new_leader_wait_instead_of_failing_its_term_over_and_over()
    {
        // A deposed leader's clock was 60 days fast: more than Task.Delay accepts in one go (about 49.7 days).
        var ahead = DateTimeOffset.UtcNow.AddDays(60).ToUnixTimeMilliseconds();
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm, seed: store =>
            store.Apply(2, LogEntryCodec.Encode(ahead, [new CreateTimer("from-the-future", Specs.Http(1_000))]), null));

        await Eventually.WaitUntilAsync(() => run.Log.Lines.Any(l => l.Contains("for the clock to pass the last stamp", StringComparison.Ordinal)),
            "the leader to say it waits for its clock");
        await Eventually.WaitUntilAsync(() => run.Clock.LongestTimer >= TimeSpan.FromHours(1), "the leader to wait on its clock");
        Assert.DoesNotContain(run.Log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_leader_whose_term_was_bumped_before_its_leadership_ended_writes_nothing()
    {
        // The vote request came before the leader's duties looked: the in-memory term is the next one, the log's last
        // entry (the leader's first) is still of the term it was elected in, and the leadership token is not cancelled yet.
        await using var run = await LeaderRun.StartAsync(root, inMemoryTerm: ElectedTerm + 1);

        var noticed = () => run.Log.Warnings.Any(w => w.Contains($"already {ElectedTerm + 1}", StringComparison.Ordinal));
        await Eventually.WaitUntilAsync(() => noticed() || run.Proposer.Term is not null, "the leader to begin its term or to notice it moved on");
        var result = await run.Proposer.ProposeAsync(new PurgeFinished(0));

        Assert.Null(run.Proposer.Term);
        Assert.True(noticed());
        Assert.Equal(CommandOutcome.NotLeader, result.Outcome);
        Assert.Empty(run.Cluster.Appended);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>The leader's duties and proposer over a <see cref="FakeCluster"/> whose log's last entry is of <see cref="ElectedTerm"/>.</summary>
    private sealed class LeaderRun : IAsyncDisposable
    {
        private readonly CancellationTokenSource stopping = new();
        private LogApplier machine = null!;
        private WriteAheadLog wal = null!;
        private Task leading = Task.CompletedTask;

        public FakeCluster Cluster { get; private set; } = null!;

        public CommandProposer Proposer { get; private set; } = null!;

        public ObservedClock Clock { get; } = new();

        /// <summary>The state the leader reads; a test applies entries to it as the apply loop would.</summary>
        public AppliedState Store { get; private set; } = null!;

        /// <summary>The leader's view of the members' clocks; with no peers given, a node alone, always confirmed.</summary>
        public ClusterClock ClusterClock { get; private set; } = null!;

        public CapturingLogger<LeaderRunner> Log { get; } = new();

        public static async Task<LeaderRun> StartAsync(string root, long inMemoryTerm, LeaderOptions? options = null, Action<AppliedState>? seed = null,
            bool holdReplication = false, string[]? clockPeers = null)
        {
            var run = new LeaderRun();
            run.ClusterClock = new ClusterClock(new ClockOptions(), run.Clock, NullLogger.Instance);
            run.ClusterClock.SetPeers(clockPeers ?? []);
            run.machine = new LogApplier(new DirectoryInfo(Path.Combine(root, "snapshots")), new AppliedState(),
                new SnapshotPolicy(1_000, long.MaxValue), _ => { }, NullLogger.Instance);
            await run.machine.RestoreAsync(CancellationToken.None);
            run.wal = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(root, "wal"), ChunkSize = 1 << 20 }, run.machine);
            await run.wal.InitializeAsync();
            await run.wal.AppendAsync(new BinaryLogEntry { Term = ElectedTerm, Content = ReadOnlyMemory<byte>.Empty }); // the leader's first entry
            await ((IPersistentState)run.wal).UpdateTermAsync(inMemoryTerm, resetLastVote: false);

            var cluster = FakeCluster.Create(run.wal);
            run.Cluster = (FakeCluster)(object)cluster;
            run.Cluster.HoldReplication = holdReplication;
            var store = new AppliedState();
            run.Store = store;
            seed?.Invoke(store);
            var clock = run.Clock;
            var delivery = new DeliveryOptions();
            run.Proposer = new CommandProposer(cluster, store, new LeaderClock(run.ClusterClock), new ProposerOptions(), NullLogger<CommandProposer>.Instance);
            var proposer = run.Proposer;
            var duties = new LeaderRunner(cluster, store, proposer,
                term => new DeliveryRunner(store, proposer, new CallbackTransports([]), new RetryBackoff(delivery, new Random(1)),
                    new SemaphoreSlim(1), delivery, new NoLeaderObserver(), clock, NullLogger.Instance, new AlwaysLeased(), term),
                options ?? new LeaderOptions(), new NoLeaderObserver(), clock, run.Log);
            run.leading = duties.RunAsync(run.stopping.Token);
            return run;
        }

        public async ValueTask DisposeAsync()
        {
            await stopping.CancelAsync();
            await leading;
            await Proposer.DisposeAsync();
            await wal.DisposeAsync();
            await machine.DisposeAsync();
            stopping.Dispose();
        }
    }

    /// <summary>
    /// The parts of a Raft member the leader's duties and the proposer use: this node leads (its token stays live), its
    /// persistent state is the given log, and every entry appended is recorded with its term and left unconfirmed.
    /// Anything else throws.
    /// </summary>
    public class FakeCluster : DispatchProxy
    {
        private readonly CancellationTokenSource leadership = new();
        private int elections;
        private IPersistentState? log;

        public ConcurrentQueue<long> Appended { get; } = new();

        private int fires;

        /// <summary>Fire commands in the entries appended.</summary>
        public int Fires => Volatile.Read(ref fires);

        /// <summary>Replication never completes: every entry stays in flight, as with followers that never answer.</summary>
        public bool HoldReplication { get; set; }

        public static IRaftCluster Create(IPersistentState log)
        {
            var cluster = Create<IRaftCluster, FakeCluster>();
            ((FakeCluster)(object)cluster).log = log;
            return cluster;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod!.Name)
            {
                case "get_AuditTrail":
                    return log;
                case "get_LeadershipToken":
                    return leadership.Token;
                case "WaitForLeadershipAsync":
                    if (Interlocked.Increment(ref elections) == 1)
                        return Task.FromResult(leadership.Token);
                    var never = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                    ((CancellationToken)args![0]!).Register(() => never.TrySetCanceled());
                    return never.Task;
                case "ReplicateAsync":
                    var entry = (IRaftLogEntry)args![0]!;
                    Appended.Enqueue(entry.Term);
                    return CountFiresAsync(entry, args.Length > 1 && args[1] is CancellationToken token ? token : CancellationToken.None);
                default:
                    throw new NotSupportedException($"the fake cluster does not do {targetMethod.Name}");
            }
        }

        private async ValueTask CountFiresAsync(IRaftLogEntry entry, CancellationToken token)
        {
            var bytes = await entry.ToByteArrayAsync();
            if (bytes.Length > 0)
                Interlocked.Add(ref fires, LogEntryCodec.Decode(bytes).Commands.Count(c => c is FireTimer));
            if (HoldReplication)
                await Task.Delay(Timeout.Infinite, token);
        }
    }

    /// <summary>Keeps the text of every warning logged, and every line with its level.</summary>
    private sealed class CapturingLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            if (logLevel == LogLevel.Warning)
                Warnings.Enqueue(formatter(state, exception));
        }
    }
}

using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Clock;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Cluster.Lead;
using RaftTimers.Cluster.Membership;
using RaftTimers.Cluster.Propose;
using RaftTimers.Cluster.Snapshot;
using RaftTimers.Cluster.Storage;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Hosting;

/// <summary>
/// One RaftTimers node: the state machine, the write-ahead log, the Raft member, group commit and the
/// leader's duties, started in the order DotNext requires (docs/dotnext.md): restore the snapshot,
/// build the log (which replays committed entries), then start the Raft member.
/// </summary>
public sealed class TimerNode : IAsyncDisposable
{
    private readonly DataDirectoryLock directoryLock;
    private readonly LogApplier stateMachine;
    private readonly WriteAheadLog wal;
    private readonly RaftCluster cluster;
    private readonly CallbackTransports transports;
    private readonly CancellationTokenSource stopping = new();
    private Task leaderLoop = Task.CompletedTask;

    private TimerNode(RaftOptions options, DataDirectoryLock directoryLock, AppliedState store, LogApplier stateMachine,
        WriteAheadLog wal, RaftCluster cluster, ClusterMembership membership, CommandProposer proposer, CallbackTransports transports,
        ClusterClock clusterClock)
    {
        ClusterClock = clusterClock;
        Membership = membership;
        Options = options;
        this.directoryLock = directoryLock;
        Store = store;
        this.stateMachine = stateMachine;
        this.wal = wal;
        this.cluster = cluster;
        Proposer = proposer;
        this.transports = transports;
        View = new ClusterView(cluster, membership, options.ApiUrl);
    }

    public RaftOptions Options { get; }

    public AppliedState Store { get; }

    /// <summary>DotNext's cluster, for the cluster library and its tests; everything above reads <see cref="View"/>.</summary>
    internal IRaftCluster Cluster => cluster;

    /// <summary>Term, leader and members, without DotNext's types.</summary>
    public ClusterView View { get; }

    /// <summary>A hand-off of leadership that waits up to <paramref name="electionDeadline"/> for another member to be elected.</summary>
    public LeadershipHandOff CreateHandOff(TimeSpan electionDeadline) => new(cluster, Membership, View, electionDeadline);

    public CommandProposer Proposer { get; }

    /// <summary>This node's clock as the other members see it; the host feeds it their clocks (docs/clocks.md).</summary>
    public ClusterClock ClusterClock { get; }

    /// <summary>Adds and removes members, and knows whether this node is one.</summary>
    public ClusterMembership Membership { get; }

    /// <summary>The callback transports this node delivers through: the built-in <c>http</c> and <c>tcp</c>, and the plug-ins it was given.</summary>
    public CallbackTransports Transports => transports;

    public long CommitIndex => wal.LastCommittedEntryIndex;

    /// <summary>The last log entry applied to the state, Raft's own entries (no-ops, configuration) included.</summary>
    public long AppliedIndex => wal.LastAppliedIndex;

    /// <summary>Leads and may propose: its term's first entry is applied and the leader's duties have started.</summary>
    public bool IsLeader => Proposer.CanPropose;

    /// <summary>The last entry in this node's log, committed or not.</summary>
    public long LastLogIndex => wal.LastEntryIndex;

    /// <summary>
    /// Starts a node. <paramref name="onFatalError"/> is called when the node can no longer apply the
    /// log (an entry it cannot decode, a broken invariant); the host should stop the process.
    /// <paramref name="callbackGuard"/>, when given, checks every address a callback connects to (see <see cref="ICallbackAddressGuard"/>);
    /// <paramref name="callbackSigner"/>, when given, signs every callback (see <see cref="CallbackSigner"/>).
    /// <paramref name="observer"/> hears of the fires and deliveries this node makes while it leads (the host's metrics).
    /// </summary>
    public static async Task<TimerNode> StartAsync(RaftOptions options, ProposerOptions proposerOptions, LeaderOptions leaderOptions,
        DeliveryOptions deliveryOptions, ICallbackAddressGuard? callbackGuard, CallbackSigner? callbackSigner, ILeaderObserver observer, ILoggerFactory loggers, TimeProvider clock,
        Action<Exception> onFatalError, CancellationToken token, IReadOnlyList<ICallbackTransport>? pluginTransports = null)
    {
        deliveryOptions.Validate();
        var directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
        try
        {
            var store = new AppliedState(options.RetainedEvents);
            var clusterClock = new ClusterClock(options.Clock, clock, loggers.CreateLogger<ClusterClock>());
            var stateMachine = new LogApplier(
                new DirectoryInfo(Path.Combine(options.DataDirectory, "snapshots")), store,
                new SnapshotPolicy(options.SnapshotEveryEntries, options.SnapshotEveryBytes),
                onFatalError, loggers.CreateLogger<LogApplier>(), clusterClock);
            await stateMachine.RestoreAsync(token).ConfigureAwait(false);

            var verified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            stateMachine.HoldApplyUntil(verified.Task);
            var wal = new AcknowledgedAppendLog(new WriteAheadLog.Options
            {
                Location = Path.Combine(options.DataDirectory, "wal"),
                ChunkSize = AcknowledgedAppendLog.ChunkBytes,
                HashAlgorithm = WriteAheadLog.IntegrityHashAlgorithm.Crc32,
            }, stateMachine);
            await VerifyLogAsync(wal, verified, options.DataDirectory, token).ConfigureAwait(false);

            var membershipStorage = new EndPointConfigurationStorage(Path.Combine(options.DataDirectory, "members.bin"));
            // Later starts keep the membership the log decided; only a node's first start seeds it (a joining node gets it from the leader).
            var hasConfiguration = await membershipStorage.HasConfigurationAsync(token).ConfigureAwait(false);
            if (!hasConfiguration && !options.Join && !options.Bootstrap && options.InitialMembers.Count > 1)
            {
                throw new InvalidOperationException(
                    $"{options.DataDirectory} holds no cluster membership. To create a new cluster, start each of its nodes with --bootstrap true the "
                    + "first time; to join an existing cluster (also after this node lost its data), start with --join true and add it with "
                    + "POST /cluster/members. A member started again without its data would vote with an empty log and could lose acknowledged writes.");
            }

            if (!hasConfiguration && !options.Join)
            {
                await membershipStorage.SeedAsync(options.InitialMembers, token).ConfigureAwait(false);
                hasConfiguration = true;
            }

            var configuration = new RaftCluster.TcpConfiguration(options.RaftListenEndPoint ?? RaftAddress.ListenEndPoint(options.RaftEndPoint))
            {
                PublicEndPoint = options.RaftEndPoint,
                LowerElectionTimeout = options.LowerElectionTimeoutMs,
                UpperElectionTimeout = options.UpperElectionTimeoutMs,
                RequestTimeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs),
                ConfigurationStorage = membershipStorage,
                ColdStart = false, // never elect itself alone: a new cluster is seeded with its members, a joining node waits to be added
                IsLeaderLeaseEnabled = true, // callbacks are sent only under the lease (DeliveryRunner)
                LoggerFactory = new ThrottledRaftLogging(loggers, clock, TimeSpan.FromSeconds(10)),
                SslOptions = options.Tls?.RaftOptions(),
            };
            configuration.Metadata[MemberMetadata.ApiKey] = options.ApiUrl;
            configuration.Metadata[MemberMetadata.NodeIdKey] = options.NodeId;
            configuration.Metadata[LogLevels.MetadataKey] = options.LogLevel.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var cluster = new RaftCluster(configuration) { AuditTrail = wal };
            var membership = new ClusterMembership(cluster, membershipStorage, options.NodeId, options.DataDirectory, hasConfiguration, clock,
                loggers.CreateLogger<ClusterMembership>(), options.LogLevel);
            var proposer = new CommandProposer(cluster, store, new LeaderClock(clusterClock), proposerOptions, loggers.CreateLogger<CommandProposer>());
            var transports = new CallbackTransports([
                new HttpCallbackTransport(deliveryOptions, callbackGuard, callbackSigner, clock),
                new TcpCallbackTransport(deliveryOptions, callbackGuard),
                .. pluginTransports ?? [],
            ]);
            var node = new TimerNode(options, directoryLock, store, stateMachine, wal, cluster, membership, proposer, transports, clusterClock);

            await cluster.StartAsync(token).ConfigureAwait(false);
            // The members whose clocks judge this one's; until they are known there is no verdict, so no fire and no
            // early confirmation of a clock nobody has looked at (the host's sampler keeps the list current).
            clusterClock.SetPeers([.. cluster.Members.Where(m => m.IsRemote).Select(m => RaftAddress.Format(m.EndPoint))]);
            await membership.EnterStandbyIfRemovedAsync(token).ConfigureAwait(false);
            node.StartLeaderRunner(leaderOptions, deliveryOptions, observer, loggers, clock);
            return node;
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks the hashes of the log's entries before any is applied (docs/storage.md). DotNext checks them as the log
    /// initializes, synchronously, before it waits for the committed entries to be applied; applying is held back
    /// (<see cref="LogApplier.HoldApplyUntil"/>) until that check has passed. A damaged entry (a disk that lost
    /// or changed what was written) stops the start with what to do: this node's log cannot be trusted, the others'
    /// copies can.
    /// </summary>
    private static async Task VerifyLogAsync(WriteAheadLog wal, TaskCompletionSource verified, string dataDirectory, CancellationToken token)
    {
        var initialized = wal.InitializeAsync(token);
        if (initialized.IsFaulted && initialized.Exception?.InnerException is DotNext.IO.Log.IntegrityException damage)
        {
            verified.SetCanceled(CancellationToken.None);
            await wal.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"the Raft log in {Path.Combine(dataDirectory, "wal")} is damaged ({damage.GetType().Name}: {damage.Message}); this node cannot start on it. "
                + "The other members hold the committed entries: remove this node from the cluster (DELETE /cluster/members/{id} on a member), wipe its "
                + "data directory, start it with --join true and add it back (POST /cluster/members).", damage);
        }

        verified.SetResult();
        await initialized.ConfigureAwait(false);
    }

    private void StartLeaderRunner(LeaderOptions leaderOptions, DeliveryOptions deliveryOptions, ILeaderObserver observer, ILoggerFactory loggers,
        TimeProvider clock)
    {
        var backoff = new RetryBackoff(deliveryOptions, new Random(unchecked((int)clock.GetTimestamp())));
        var concurrency = new SemaphoreSlim(deliveryOptions.MaxConcurrentDeliveries, deliveryOptions.MaxConcurrentDeliveries);
        var deliveryLogger = loggers.CreateLogger<DeliveryRunner>();
        var lease = new RaftLeaderLease(cluster);
        var duties = new LeaderRunner(cluster, Store, Proposer,
            term => new DeliveryRunner(Store, Proposer, transports, backoff, concurrency, deliveryOptions, observer, clock, deliveryLogger, lease, term),
            leaderOptions, observer, clock, loggers.CreateLogger<LeaderRunner>(),
            token => Membership.LowestLogLevelAsync(TimeSpan.FromMilliseconds(500), token));
        leaderLoop = Task.Run(() => duties.RunAsync(stopping.Token));
    }

    /// <summary>
    /// Raft's read barrier: waits until this node has applied everything the leader had committed when asked (a leader
    /// first confirms with a majority that it still leads), and any snapshot being loaded is in.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken token)
    {
        await cluster.ApplyReadBarrierAsync(token).ConfigureAwait(false);
        await Store.Current.WaitAsync(token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        await leaderLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Proposer.DisposeAsync().ConfigureAwait(false);
        Membership.Detach();
        await cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await cluster.DisposeAsync().ConfigureAwait(false);
        await wal.DisposeAsync().ConfigureAwait(false);
        await stateMachine.DisposeAsync().ConfigureAwait(false);
        await transports.DisposeAsync().ConfigureAwait(false);
        directoryLock.Dispose();
        stopping.Dispose();
    }
}

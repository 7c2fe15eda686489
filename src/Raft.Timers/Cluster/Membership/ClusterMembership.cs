using System.Net;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using Microsoft.Extensions.Logging;
using RaftTimers.Core.Log;

namespace RaftTimers.Cluster.Membership;

/// <summary>What a membership change came to; the HTTP layer maps each to a status code in one place.</summary>
public enum MembershipOutcome
{
    /// <summary>The new configuration is committed.</summary>
    Done,

    /// <summary>Nothing to do: the address is already a member (add) or not a member (remove).</summary>
    Unchanged,

    /// <summary>This node does not lead (any more); the change did not start, or its fate is unknown if leadership was lost midway.</summary>
    NotLeader,

    /// <summary>Another membership change is under way; Raft changes membership one node at a time.</summary>
    Concurrent,

    /// <summary>The new node did not answer or did not catch up with the log; nothing was committed.</summary>
    CatchUpFailed,
}

/// <summary>Where this node stands in the cluster's configuration.</summary>
public enum LocalMembership
{
    /// <summary>In the committed configuration: votes, may lead, serves the API.</summary>
    Member,

    /// <summary>Started in join mode and not yet added: receives the log, never campaigns.</summary>
    Joining,

    /// <summary>Was a member and is not any more: it serves no timers, never campaigns, and should be stopped and wiped.</summary>
    Removed,
}

/// <summary>
/// Adds and removes members one at a time through DotNext's single-server membership changes, and tracks
/// whether this node itself is a member. Called by the admin endpoints on the leader; a change runs as
/// DotNext does it: catch the new node up with the log (snapshot and entries), then commit the new configuration.
/// </summary>
/// <remarks>
/// A removed node is not told by Raft that it was removed: DotNext freezes it only if the configuration
/// entry without it reaches it and commits there. <see cref="MarkRemovedAsync"/> lets the leader's notice (sent
/// over HTTP by the admin endpoint) record it too; the record is a file in the data directory, so a
/// removed node that restarts still knows, and never campaigns in a cluster that no longer counts it.
/// </remarks>
public sealed partial class ClusterMembership
{
    private const string RemovedMarkerFile = "removed";

    private readonly RaftCluster cluster;
    private readonly IClusterConfigurationStorage<EndPoint> configuration;
    private readonly string removedMarkerPath;
    private readonly string localNodeId;
    private readonly TimeProvider clock;
    private readonly ILogger logger;

    // Members that did not answer a metadata request, with when: not asked again for a while, so that GET /cluster
    // stays quick while a member is down.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<EndPoint, long> unanswered = new();
    private int levelReached = LogLevels.Base;
    private long lastLevelRefresh;
    private int refreshingLevel;
    private readonly int localLogLevel;
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(10);
    private volatile bool isMember;
    private volatile bool wasMember;
    private volatile bool removed;
    private volatile bool clockHeld;

    internal ClusterMembership(RaftCluster cluster, IClusterConfigurationStorage<EndPoint> configuration, string localNodeId, string dataDirectory,
        bool startedAsMember, TimeProvider clock, ILogger logger, int localLogLevel = LogLevels.Current)
    {
        this.localLogLevel = localLogLevel;
        this.clock = clock;
        this.cluster = cluster;
        this.configuration = configuration;
        this.localNodeId = localNodeId;
        this.logger = logger;
        removedMarkerPath = Path.Combine(dataDirectory, RemovedMarkerFile);
        removed = File.Exists(removedMarkerPath);
        wasMember = startedAsMember || removed;
        cluster.MemberAdded += OnMemberAdded;
        cluster.MemberRemoved += OnMemberRemoved;
    }

    /// <summary>This node's standing, as far as it knows.</summary>
    public LocalMembership Local
    {
        get
        {
            // Read on every timer request: three volatile fields, kept current by DotNext's member events.
            if (removed)
                return LocalMembership.Removed;
            if (isMember)
                return LocalMembership.Member;
            return wasMember ? LocalMembership.Removed : LocalMembership.Joining;
        }
    }

    /// <summary>Why this node serves neither timers nor cluster changes (it is joining, or was removed); null for a member.</summary>
    public string? NotServingReason => Local switch
    {
        LocalMembership.Joining => "this node is waiting to join the cluster: add it with POST /cluster/members on a member",
        LocalMembership.Removed => "this node was removed from the cluster: stop it and wipe its data directory",
        _ => null,
    };

    /// <summary>
    /// Finds a member by its Raft address (<c>host:port</c>) or by the node id it published in its metadata. Throws
    /// <see cref="AmbiguousMemberException"/> when an id names more than one member (a dead node and its replacement
    /// may share one until the dead one is removed): guessing could remove the live one.
    /// </summary>
    public IRaftClusterMember? Find(string idOrAddress)
    {
        var byAddress = cluster.Members.FirstOrDefault(m => string.Equals(RaftAddress.Format(m.EndPoint), idOrAddress, StringComparison.OrdinalIgnoreCase));
        if (byAddress is not null)
            return byAddress;
        var byId = cluster.Members.Where(m => NodeIdOf(m) == idOrAddress).ToList();
        return byId.Count switch
        {
            0 => null,
            1 => byId[0],
            _ => throw new AmbiguousMemberException(idOrAddress, byId.Select(m => RaftAddress.Format(m.EndPoint)).ToList()),
        };
    }

    /// <summary>
    /// Whether <paramref name="address"/> is in the configuration this node has stored. Read from the storage rather
    /// than <see cref="IRaftCluster.Members"/>, which DotNext updates from it a moment later.
    /// </summary>
    public async Task<bool> IsInConfigurationAsync(EndPoint address, CancellationToken token)
        => (await configuration.LoadConfigurationAsync(token).ConfigureAwait(false)).Members.Contains(address);

    /// <summary>
    /// Like <see cref="Find"/>, but first asks the members whose metadata this node has not seen yet (a leader learns
    /// a follower's only when it asks). A member that does not answer within <paramref name="perMember"/> is found by address only.
    /// </summary>
    public async Task<IRaftClusterMember?> FindAsync(string idOrAddress, TimeSpan perMember, CancellationToken token)
    {
        if (Find(idOrAddress) is { } found)
            return found;
        await LearnMetadataAsync(perMember, token).ConfigureAwait(false);
        return Find(idOrAddress);
    }

    /// <summary>
    /// Fetches the metadata (node id, API URL) of every remote member whose metadata is not cached yet, in parallel.
    /// A member that did not answer is left alone for <see cref="AskAgainAfter"/>: it stays known by its address only.
    /// </summary>
    public Task LearnMetadataAsync(TimeSpan perMember, CancellationToken token)
        => Task.WhenAll(cluster.Members.OfType<RaftClusterMember>()
            .Where(m => m.IsRemote && m.TryGetMetadata() is null
                && !(unanswered.TryGetValue(m.EndPoint, out var since) && clock.GetElapsedTime(since) < AskAgainAfter))
            .Select(async member =>
            {
                if (await AskMetadataAsync(member, refresh: false, perMember, token).ConfigureAwait(false) is not null)
                    unanswered.TryRemove(member.EndPoint, out _);
                else
                    unanswered[member.EndPoint] = clock.GetTimestamp();
            }));

    /// <summary>A member's metadata, fetched (or from the cache unless <paramref name="refresh"/>); null when it did not answer in time.</summary>
    internal static async Task<IReadOnlyDictionary<string, string>?> AskMetadataAsync(
        DotNext.Net.Cluster.IClusterMember member, bool refresh, TimeSpan perMember, CancellationToken token)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(perMember);
        try
        {
            return await member.GetMetadataAsync(refresh, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MemberUnavailableException or OperationCanceledException && !token.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The highest log level every member reads (<see cref="LogLevels"/>). A member whose cached metadata shows a
    /// lower level is asked again (it may have been upgraded since); one that does not answer within
    /// <paramref name="perMember"/> counts as the lowest level, so an unknown member never lets a newer command through.
    /// </summary>
    public async Task<int> LowestLogLevelAsync(TimeSpan perMember, CancellationToken token)
    {
        var published = new List<IReadOnlyDictionary<string, string>?>();
        foreach (var member in cluster.Members.Where(m => m.IsRemote))
        {
            var metadata = (member as RaftClusterMember)?.TryGetMetadata();
            if (LogLevels.Of(metadata) < LogLevels.Current)
                metadata = await AskMetadataAsync(member, refresh: true, perMember, token).ConfigureAwait(false);
            published.Add(metadata);
        }

        return Math.Min(LogLevels.Lowest(published), localLogLevel);
    }

    /// <summary>The highest log level every member was last found to read; <see cref="LogLevels.Base"/> until it is known.</summary>
    public int KnownLogLevel => Volatile.Read(ref levelReached);

    /// <summary>
    /// Whether every member is already known to read <paramref name="level"/>, without waiting: for what a write may
    /// leave out instead of being refused (its trace context). When it is not known yet, the members are asked in the
    /// background (<see cref="RefreshLogLevel"/>), so a later call knows.
    /// </summary>
    public bool EveryMemberReadsNow(int level)
    {
        if (Volatile.Read(ref levelReached) >= level)
            return true;
        RefreshLogLevel();
        return false;
    }

    /// <summary>
    /// Asks the members for the levels they read, in the background, at most one round at a time and one a second,
    /// until every member reads this build's level. Called by the clock sampler's rounds, so that a node learns its
    /// cluster's level soon after it starts and after each member's upgrade.
    /// </summary>
    public void RefreshLogLevel()
    {
        if (Volatile.Read(ref levelReached) >= LogLevels.Current)
            return;
        var last = Volatile.Read(ref lastLevelRefresh);
        if ((last != 0 && clock.GetElapsedTime(last) < TimeSpan.FromSeconds(1)) || Interlocked.Exchange(ref refreshingLevel, 1) == 1)
            return;
        Volatile.Write(ref lastLevelRefresh, clock.GetTimestamp());
        _ = Task.Run(async () =>
        {
            try
            {
                await EveryMemberReadsAsync(LogLevels.Current, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or MemberUnavailableException or IOException)
            {
                // The node is stopping, or a member did not answer: the next round asks again.
            }
            finally
            {
                Volatile.Write(ref refreshingLevel, 0);
            }
        });
    }

    /// <summary>
    /// Whether every member reads log level <paramref name="level"/>: from what members published when that is enough,
    /// else asking them (up to a second each). A level once reached is remembered, since a cluster's level only grows
    /// (<see cref="LogLevels"/>): after the upgrade this costs one read.
    /// </summary>
    public async ValueTask<bool> EveryMemberReadsAsync(int level, CancellationToken token)
    {
        if (Volatile.Read(ref levelReached) >= level)
            return true;
        var lowest = await LowestLogLevelAsync(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
        for (var seen = Volatile.Read(ref levelReached); lowest > seen; seen = Volatile.Read(ref levelReached))
        {
            if (Interlocked.CompareExchange(ref levelReached, lowest, seen) == seen)
                break;
        }

        return lowest >= level;
    }

    /// <summary>The node id a member published in its Raft metadata; null for a remote member this node has not heard from.</summary>
    public string? NodeIdOf(DotNext.Net.Cluster.IClusterMember member)
        => member.IsRemote
            ? (member as RaftClusterMember)?.TryGetMetadata()?.GetValueOrDefault(MemberMetadata.NodeIdKey)
            : localNodeId;

    /// <summary>
    /// Adds the node listening on <paramref name="address"/>, which must be running in join mode with empty storage.
    /// Returns once the configuration that includes it is committed, after it has caught up with the log.
    /// </summary>
    public async Task<MembershipOutcome> AddAsync(EndPoint address, CancellationToken token)
    {
        if (await IsInConfigurationAsync(address, token).ConfigureAwait(false))
            return MembershipOutcome.Unchanged;
        LogAdding(RaftAddress.Format(address));
        try
        {
            var added = await cluster.AddMemberAsync(address, token).ConfigureAwait(false);
            if (!added)
            {
                // DotNext also says false when the address is in the configuration already (a concurrent retry got there first).
                if (await IsInConfigurationAsync(address, token).ConfigureAwait(false))
                    return MembershipOutcome.Unchanged;
                LogCatchUpFailed(RaftAddress.Format(address));
                return MembershipOutcome.CatchUpFailed;
            }
        }
        catch (NotLeaderException)
        {
            return MembershipOutcome.NotLeader;
        }
        catch (RaftCluster.ConcurrentMembershipModificationException)
        {
            return MembershipOutcome.Concurrent;
        }

        LogAdded(RaftAddress.Format(address));
        return MembershipOutcome.Done;
    }

    /// <summary>Removes a member; returns once the configuration without it is committed.</summary>
    public async Task<MembershipOutcome> RemoveAsync(EndPoint address, CancellationToken token)
    {
        if (!await IsInConfigurationAsync(address, token).ConfigureAwait(false))
            return MembershipOutcome.Unchanged;
        LogRemoving(RaftAddress.Format(address));
        try
        {
            if (!await cluster.RemoveMemberAsync(address, token).ConfigureAwait(false))
                return await IsInConfigurationAsync(address, token).ConfigureAwait(false) ? MembershipOutcome.Concurrent : MembershipOutcome.Unchanged;
        }
        catch (NotLeaderException)
        {
            return MembershipOutcome.NotLeader;
        }
        catch (RaftCluster.ConcurrentMembershipModificationException)
        {
            return MembershipOutcome.Concurrent;
        }

        LogRemoved(RaftAddress.Format(address));
        return MembershipOutcome.Done;
    }

    /// <summary>
    /// Records that the cluster removed this node (called when the leader's notice arrives), and puts the Raft member
    /// in standby so it never campaigns again (a standby node still answers vote requests, which is harmless: it is
    /// in no configuration the others count). Idempotent.
    /// </summary>
    public async Task MarkRemovedAsync(CancellationToken token)
    {
        if (!removed)
        {
            removed = true;
            await File.WriteAllTextAsync(removedMarkerPath, "removed from the cluster; stop this node and wipe its data directory\n", token).ConfigureAwait(false);
            LogLocalRemoved(RaftAddress.Format(cluster.LocalMemberAddress));
        }

        await EnterStandbyAsync(token).ConfigureAwait(false);
    }

    /// <summary>DotNext declines (false) when the node's state changed while it waited for its lock: try again until it is in standby.</summary>
    private async Task EnterStandbyAsync(CancellationToken token)
    {
        for (var attempt = 0; !cluster.Standby && attempt < 50; attempt++)
        {
            if (await cluster.EnableStandbyModeAsync(token).ConfigureAwait(false))
                return;
            await Task.Delay(TimeSpan.FromMilliseconds(20), token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps this node from leading while its clock disagrees with a majority of members' (docs/clocks.md): standby steps
    /// a leader down and stops campaigning; it still votes and follows. Called after every round of clock samples, so a
    /// standby ended by something else (a leadership hand-off) is entered again at the next round. Lifting the hold
    /// reverts only a standby this method entered, never a removed node's.
    /// </summary>
    public async Task HoldCampaignsAsync(bool hold, CancellationToken token)
    {
        if (hold)
        {
            clockHeld = true;
            if (!cluster.Standby)
                await EnterStandbyAsync(token).ConfigureAwait(false);
        }
        else if (clockHeld)
        {
            clockHeld = false;
            if (!removed && cluster.Standby)
                await cluster.RevertToNormalModeAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>Held in standby because its clock is distrusted (<see cref="HoldCampaignsAsync"/>).</summary>
    public bool ClockHeld => clockHeld;

    /// <summary>Called by the node at start: a node that knows it was removed goes straight to standby.</summary>
    internal async Task EnterStandbyIfRemovedAsync(CancellationToken token)
    {
        if (removed)
        {
            LogStartedRemoved(RaftAddress.Format(cluster.LocalMemberAddress));
            await EnterStandbyAsync(token).ConfigureAwait(false);
        }
    }

    private void OnMemberAdded(RaftCluster<RaftClusterMember> sender, RaftClusterMemberEventArgs<RaftClusterMember> args)
    {
        if (!args.Member.IsRemote && !isMember)
        {
            isMember = true;
            wasMember = true;
            if (!removed)
                LogLocalAdded(RaftAddress.Format(args.Member.EndPoint));
        }
    }

    private void OnMemberRemoved(RaftCluster<RaftClusterMember> sender, RaftClusterMemberEventArgs<RaftClusterMember> args)
    {
        if (!args.Member.IsRemote && isMember)
        {
            isMember = false;
            LogLocalDropped(RaftAddress.Format(args.Member.EndPoint));
        }
    }

    internal void Detach()
    {
        cluster.MemberAdded -= OnMemberAdded;
        cluster.MemberRemoved -= OnMemberRemoved;
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Adding member {Address}: catching it up with the log, then committing the new configuration")]
    private partial void LogAdding(string address);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Member {Address} added: the configuration that includes it is committed")]
    private partial void LogAdded(string address);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Member {Address} was not added: it did not answer or did not catch up with the log (is it running in join mode with empty storage?)")]
    private partial void LogCatchUpFailed(string address);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Information, Message = "Removing member {Address}")]
    private partial void LogRemoving(string address);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Information, Message = "Member {Address} removed: the configuration without it is committed")]
    private partial void LogRemoved(string address);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Information, Message = "This node ({Address}) is now a member of the cluster")]
    private partial void LogLocalAdded(string address);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Warning, Message = "This node ({Address}) is no longer in the cluster's configuration; it will not serve timer writes")]
    private partial void LogLocalDropped(string address);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Warning, Message = "This node ({Address}) was removed from the cluster: it serves no timers and never campaigns for leadership. Stop it and wipe its data directory")]
    private partial void LogLocalRemoved(string address);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "This node ({Address}) was removed from the cluster earlier (its data directory says so): it stays in standby. Stop it and wipe its data directory")]
    private partial void LogStartedRemoved(string address);
}

/// <summary>A node id that more than one member published; the caller must name the member by its Raft address.</summary>
public sealed class AmbiguousMemberException(string id, IReadOnlyList<string> addresses)
    : Exception($"node id '{id}' names more than one member ({string.Join(", ", addresses)}); give the Raft address instead");

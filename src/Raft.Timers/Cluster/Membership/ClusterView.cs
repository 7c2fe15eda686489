using System.Net;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;

namespace RaftTimers.Cluster.Membership;

/// <summary>A member of the cluster as the rest of the node sees it: the names it published, and how this node sees it now.</summary>
/// <param name="NodeId">The node id it published; null for a remote member this node has not heard from yet.</param>
/// <param name="ApiUrl">Its HTTP API as it published it (this node's own for the local member); null while not known.</param>
/// <param name="Status">"self" for this node; otherwise "available", "unavailable" or "unknown", as Raft last saw it.</param>
public sealed record MemberView(string? NodeId, EndPoint Raft, string? ApiUrl, bool IsRemote, bool IsLeader, string Status);

/// <summary>
/// The cluster as seen from this node: term, leader and members, without Raft's own types, so the HTTP surface reads
/// the cluster through this one door and nothing above the cluster library depends on DotNext.
/// </summary>
public sealed class ClusterView
{
    private readonly RaftCluster cluster;
    private readonly ClusterMembership membership;
    private readonly string localApiUrl;
    private readonly Lock subscribers = new();
    private Action? leaderChanged;

    internal ClusterView(RaftCluster cluster, ClusterMembership membership, string localApiUrl)
    {
        this.cluster = cluster;
        this.membership = membership;
        this.localApiUrl = localApiUrl;
        cluster.LeaderChanged += (_, _) => Volatile.Read(ref leaderChanged)?.Invoke();
    }

    /// <summary>This node's Raft term.</summary>
    public long Term => cluster.Term;

    /// <summary>The leader this node knows of (itself included), or null during an election or when cut off.</summary>
    public MemberView? Leader => cluster.Leader is { } leader ? View(leader) : null;

    public int MemberCount => cluster.Members.Count;

    /// <summary>Every member of the configuration this node applies.</summary>
    public IReadOnlyList<MemberView> Members() => [.. cluster.Members.Select(View)];

    /// <summary>Raised on Raft's thread whenever the leader this node knows of changes, to none included.</summary>
    public event Action? LeaderChanged
    {
        add
        {
            lock (subscribers)
                leaderChanged += value;
        }

        remove
        {
            lock (subscribers)
                leaderChanged -= value;
        }
    }

    /// <summary>Asks the members whose names this node has not seen yet for them, each within <paramref name="perMember"/>.</summary>
    public Task LearnMetadataAsync(TimeSpan perMember, CancellationToken token) => membership.LearnMetadataAsync(perMember, token);

    /// <summary>
    /// Finds a member by its Raft address (<c>host:port</c>) or by its node id, asking the members not heard from yet
    /// first. Throws <see cref="AmbiguousMemberException"/> when an id names more than one member.
    /// </summary>
    public async Task<MemberView?> FindAsync(string idOrAddress, TimeSpan perMember, CancellationToken token)
        => await membership.FindAsync(idOrAddress, perMember, token).ConfigureAwait(false) is { } member ? View(member) : null;

    /// <summary>A member by its Raft address or node id, from what this node knows now.</summary>
    public MemberView? Find(string idOrAddress) => membership.Find(idOrAddress) is { } member ? View(member) : null;

    /// <summary>The API URL of <paramref name="member"/>, asked of it when not known yet; null when it does not answer within <paramref name="timeout"/>.</summary>
    public async Task<string?> ApiUrlOfAsync(MemberView member, TimeSpan timeout, CancellationToken token)
        => member.ApiUrl
            ?? (cluster.Members.FirstOrDefault(m => m.IsRemote && Equals(m.EndPoint, member.Raft)) is { } remote
                ? (await ClusterMembership.AskMetadataAsync(remote, refresh: false, timeout, token).ConfigureAwait(false))?.GetValueOrDefault(MemberMetadata.ApiKey)
                : null);

    /// <summary>
    /// The API URL of the leader when another node leads and its names are already known here; null otherwise (this
    /// node leads, no leader is known, or its names must be asked for: <see cref="RemoteLeaderApiUrlAsync"/>).
    /// </summary>
    public string? TryGetRemoteLeaderApiUrl()
        => cluster.Leader is { IsRemote: true } leader ? leader.TryGetMetadata()?.GetValueOrDefault(MemberMetadata.ApiKey) : null;

    /// <summary>
    /// The API URL of the leader when another node leads, asked of it when not known yet; null when this node leads or
    /// none is known (a new leader is named here before its term's first entry commits). Throws
    /// <see cref="MemberUnavailableException"/> when the leader does not answer.
    /// </summary>
    public async Task<string?> RemoteLeaderApiUrlAsync(CancellationToken token)
    {
        if (cluster.Leader is not { IsRemote: true } leader)
            return null;
        var metadata = leader.TryGetMetadata() ?? await leader.GetMetadataAsync(false, token).ConfigureAwait(false);
        return metadata.GetValueOrDefault(MemberMetadata.ApiKey);
    }

    /// <summary>The leader's API URL, this node's own when it leads; null while no leader is known or when it does not answer.</summary>
    public async Task<string?> LeaderApiUrlAsync(CancellationToken token)
    {
        if (cluster.Leader is { IsRemote: false })
            return localApiUrl;
        try
        {
            return await RemoteLeaderApiUrlAsync(token).ConfigureAwait(false);
        }
        catch (MemberUnavailableException)
        {
            return null;
        }
    }

    private MemberView View(IClusterMember member)
    {
        var metadata = member.IsRemote ? (member as RaftClusterMember)?.TryGetMetadata() : null;
        return new MemberView(
            membership.NodeIdOf(member),
            member.EndPoint,
            member.IsRemote ? metadata?.GetValueOrDefault(MemberMetadata.ApiKey) : localApiUrl,
            member.IsRemote,
            member.IsLeader,
            member.IsRemote ? member.Status.ToString().ToLowerInvariant() : "self");
    }
}

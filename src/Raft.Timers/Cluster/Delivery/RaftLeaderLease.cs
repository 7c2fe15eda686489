using DotNext.Net.Cluster.Consensus.Raft;

namespace RaftTimers.Cluster.Delivery;

/// <summary>
/// DotNext's leader lease (<c>IsLeaderLeaseEnabled</c>): renewed by every heartbeat or replication round a majority
/// answers, for the lower election timeout less the round's duration, and cancelled when it runs out or leadership ends.
/// </summary>
internal sealed class RaftLeaderLease(IRaftCluster cluster) : ILeaderLease
{
    public bool TryGet(out CancellationToken lease)
        => cluster.TryGetLeaseToken(out lease) && !lease.IsCancellationRequested;
}

using DotNext.Net.Cluster.Consensus.Raft;

namespace RaftTimers.Cluster.Propose;

/// <summary>Whether this node leads right now, without throwing when the Raft member has stopped.</summary>
public static class LeadershipProbe
{
    public static bool IsLeader(IRaftCluster cluster)
    {
        try
        {
            return !cluster.LeadershipToken.IsCancellationRequested;
        }
        catch (Exception e) when (e is System.Diagnostics.UnreachableException or ObjectDisposedException)
        {
            // DotNext's stopped ("zombie") state throws here: a stopped member leads nothing.
            return false;
        }
    }
}

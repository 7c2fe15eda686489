using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using RaftTimers.Node.Http;
using RaftTimers.Raft;

namespace RaftTimers.Node.Admin;

/// <summary>
/// Makes the leader step down and waits for the election that follows. DotNext 6.12 has no targeted transfer
/// (Raft's TimeoutNow), so the next leader is whoever wins that election, this node included.
/// </summary>
public sealed class LeadershipHandOff(TimerNode node, TimeSpan electionDeadline)
{
    /// <summary>
    /// Resigns and returns the member that leads afterwards (perhaps this node again), or null when no leader
    /// emerged within the deadline. Throws a 503 <see cref="ApiException"/> when this node no longer leads.
    /// </summary>
    public async Task<IClusterMember?> ResignAsync(CancellationToken token)
    {
        var cluster = node.Cluster;
        var termBefore = cluster.Term;
        // IRaftCluster.ResignAsync asks whoever leads to resign, this node or not: resign only while this node leads.
        if (cluster.Leader is not { IsRemote: false } || !await cluster.ResignAsync(token).ConfigureAwait(false))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "leadership moved while the request was handled; retry");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(electionDeadline);
        try
        {
            while (true)
            {
                // A leader of a later term, fully in office: a remote one is named once it heard from us;
                // this node counts only once its own term's first entry is applied (it can take writes).
                if (cluster.Term > termBefore && cluster.Leader is { } leader && (leader.IsRemote || node.IsLeader))
                    return leader;
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return null;
        }
    }
}

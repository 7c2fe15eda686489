using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Extensions;

namespace RaftTimers.Cluster.Membership;

/// <summary>
/// Makes the leader step down so that another member leads. DotNext 6.12 has no targeted transfer (Raft's TimeoutNow),
/// and a plain resignation is often won again by the node that resigned (its election timeout, randomised after it
/// campaigns, tends to be the shortest): so the leader steps down into standby, where it votes but never campaigns,
/// and returns to normal once another member leads, or when the wait ends either way.
/// </summary>
public sealed class LeadershipHandOff
{
    private readonly IRaftCluster cluster;
    private readonly ClusterMembership membership;
    private readonly ClusterView view;
    private readonly TimeSpan electionDeadline;

    internal LeadershipHandOff(IRaftCluster cluster, ClusterMembership membership, ClusterView view, TimeSpan electionDeadline)
    {
        this.cluster = cluster;
        this.membership = membership;
        this.view = view;
        this.electionDeadline = electionDeadline;
    }

    /// <summary>
    /// Steps down and says who leads afterwards: <see cref="HandOff.Elected"/> with the member that leads in a later term,
    /// <see cref="HandOff.NoneElected"/> when none was elected within the deadline, <see cref="HandOff.NotLeader"/> when
    /// this node no longer led, so nothing was done.
    /// </summary>
    /// <param name="stayInStandby">
    /// For a node that is stopping: it stays in standby whatever happened, so that it cannot win an election again
    /// before it is gone.
    /// </param>
    public async Task<(HandOff Outcome, MemberView? Leader)> ResignAsync(CancellationToken token, bool stayInStandby = false)
    {
        var standby = (IStandbyModeSupport)cluster;
        var termBefore = cluster.Term;
        if (cluster.Leader is not { IsRemote: false } || !await standby.EnableStandbyModeAsync(token).ConfigureAwait(false))
            return (HandOff.NotLeader, null);

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(electionDeadline);
            while (true)
            {
                // Another member, leading in a later term (this node, in standby, cannot be the one).
                if (cluster.Term > termBefore && view.Leader is { IsRemote: true } leader)
                    return (HandOff.Elected, leader);
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return (HandOff.NoneElected, null);
        }
        finally
        {
            // Back to a normal member that may campaign again, whatever happened: standby must not outlive the request,
            // unless the node's clock holds it there (docs/clocks.md).
            if (!stayInStandby && !membership.ClockHeld)
                await standby.RevertToNormalModeAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}

/// <summary>How a hand-off of leadership ended.</summary>
public enum HandOff
{
    /// <summary>Another member leads in a later term.</summary>
    Elected,

    /// <summary>No other member was elected within the deadline; this node may lead again.</summary>
    NoneElected,

    /// <summary>This node did not lead when asked; nothing was done.</summary>
    NotLeader,
}

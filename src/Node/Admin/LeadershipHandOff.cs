using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Extensions;
using RaftTimers.Cluster.Hosting;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Admin;

/// <summary>
/// Makes the leader step down so that another member leads. DotNext 6.12 has no targeted transfer (Raft's TimeoutNow),
/// and a plain resignation is often won again by the node that resigned (its election timeout, randomised after it
/// campaigns, tends to be the shortest): so the leader steps down into standby, where it votes but never campaigns,
/// and returns to normal once another member leads, or when the wait ends either way.
/// </summary>
public sealed class LeadershipHandOff(TimerNode node, TimeSpan electionDeadline)
{
    /// <summary>
    /// Steps down and returns the member that leads afterwards, or null when none was elected within the deadline.
    /// Throws a 503 <see cref="ApiException"/> when this node no longer leads.
    /// </summary>
    public async Task<IClusterMember?> ResignAsync(CancellationToken token)
    {
        var cluster = node.Cluster;
        var standby = (IStandbyModeSupport)cluster;
        var termBefore = cluster.Term;
        if (cluster.Leader is not { IsRemote: false } || !await standby.EnableStandbyModeAsync(token).ConfigureAwait(false))
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "leadership moved while the request was handled; retry");

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(electionDeadline);
            while (true)
            {
                // Another member, leading in a later term (this node, in standby, cannot be the one).
                if (cluster.Term > termBefore && cluster.Leader is { IsRemote: true } leader)
                    return leader;
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            // Back to a normal member that may campaign again, whatever happened: standby must not outlive the request,
            // unless the node's clock holds it there (docs/clocks.md).
            if (!node.Membership.ClockHeld)
                await standby.RevertToNormalModeAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}

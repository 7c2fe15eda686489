using Microsoft.Extensions.Diagnostics.HealthChecks;
using RaftTimers.Cluster.Hosting;

namespace RaftTimers.Node.Health;

/// <summary>
/// Ready = this node is in a cluster with a known leader and has applied everything the leader has committed.
/// The second half is Raft's read barrier (the same one a linearizable read takes): a follower asks the leader
/// for its commit index and waits until it has applied that far; a leader confirms with a majority that it still
/// leads. A node cut off from the majority, replaying its log, or catching up is therefore not ready, and the
/// reason says which.
/// </summary>
public sealed class ReadinessCheck(TimerNode node, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken token = default)
    {
        var cluster = node.View;
        if (node.Membership.NotServingReason is { } why)
            return HealthCheckResult.Unhealthy(why, data: State());

        if (cluster.Leader is null)
            return HealthCheckResult.Unhealthy($"no leader known (term {cluster.Term}): this node cannot reach a majority, or an election is under way", data: State());

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(timeout);
        try
        {
            await node.CatchUpAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(
                $"not caught up with the leader within {timeout.TotalMilliseconds:F0} ms (applied {node.AppliedIndex}, committed {node.CommitIndex})", data: State());
        }
        catch (Exception e) when (!token.IsCancellationRequested && e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"cannot confirm the latest commit with the leader ({e.GetType().Name})", data: State());
        }

        return HealthCheckResult.Healthy($"{(node.IsLeader ? "leader" : "follower")} in term {cluster.Term}, applied {node.AppliedIndex}", State());
    }

    private Dictionary<string, object> State() => new()
    {
        ["term"] = node.View.Term,
        ["commitIndex"] = node.CommitIndex,
        ["appliedIndex"] = node.AppliedIndex,
    };
}

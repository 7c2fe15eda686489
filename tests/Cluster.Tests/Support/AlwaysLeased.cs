using RaftTimers.Cluster.Delivery;

namespace RaftTimers.Tests;

/// <summary>A leader lease that never runs out, for tests of what the lease does not decide.</summary>
internal sealed class AlwaysLeased : ILeaderLease
{
    public bool TryGet(out CancellationToken lease)
    {
        lease = CancellationToken.None;
        return true;
    }
}

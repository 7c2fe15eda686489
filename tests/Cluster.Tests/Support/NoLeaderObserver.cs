using RaftTimers.Cluster.Diagnostics;

namespace RaftTimers.Tests;

/// <summary>A leader observer that counts nothing, for tests that run the leader's duties.</summary>
internal sealed class NoLeaderObserver : ILeaderObserver
{
    public void FireApplied()
    {
    }

    public void FirstAttemptSending(TimeSpan lateness)
    {
    }

    public void AttemptEnded(DeliveryAttemptOutcome outcome, TimeSpan? duration, bool deadLetterNotice)
    {
    }
}

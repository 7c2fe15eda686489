using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Clock;

namespace RaftTimers.Tests;

/// <summary>Clocks for tests that do not compare members' clocks: a node alone, whose clock is always confirmed.</summary>
internal static class Clocks
{
    public static ClusterClock Alone(TimeProvider time)
    {
        var clock = new ClusterClock(new ClockOptions(), time, NullLogger.Instance);
        clock.SetPeers([]);
        return clock;
    }

    public static LeaderClock Leader(TimeProvider time) => new(Alone(time));
}

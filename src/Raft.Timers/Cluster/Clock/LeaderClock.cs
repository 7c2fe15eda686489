namespace RaftTimers.Cluster.Clock;

/// <summary>
/// The leader's time in Unix ms: the <see cref="ClusterClock"/>'s trusted time (the wall clock, less a step no majority
/// has confirmed), but never below a reading it has already given. The timing wheel's time and the stamps of proposed
/// entries both come from here (<see cref="Propose.CommandProposer"/>, <see cref="Lead.LeaderRunner"/>), so a timer the
/// wheel hands out as due (due ≤ the wheel's time) is due at the stamp of the fire entry proposed for it, however the
/// system clock steps. Were they read apart, a step back between the wheel's tick and the stamp would stamp the fire
/// before the due time, the state machine would refuse it as not yet due, and the wheel, which had already handed the
/// timer out, would never offer it again. A step back holds this clock still until the trusted time passes it again.
/// </summary>
public sealed class LeaderClock(ClusterClock cluster)
{
    private long highest = long.MinValue;

    /// <summary>The clock read, for delays and timestamps, which follow the system clock's own rules.</summary>
    public TimeProvider System => cluster.Time;

    /// <summary>What the members' clocks say of this one's.</summary>
    public ClusterClock Cluster => cluster;

    public long NowUnixMs()
    {
        var now = cluster.Read().Trusted;
        var seen = Volatile.Read(ref highest);
        while (now > seen)
        {
            var was = Interlocked.CompareExchange(ref highest, now, seen);
            if (was == seen)
                return now;
            seen = was;
        }

        return seen;
    }
}

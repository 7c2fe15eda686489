namespace RaftTimers.Tests;

/// <summary>
/// The system clock, watched: how often it was read (a leader reads it on every tick of its wheel) and the longest
/// timer made from it (a delay the code under test chose to wait), so a test can wait for those events instead of
/// sleeping.
/// </summary>
internal sealed class ObservedClock : TimeProvider
{
    private long reads;
    private long longestTimerTicks;

    public long Reads => Interlocked.Read(ref reads);

    public TimeSpan LongestTimer => TimeSpan.FromTicks(Interlocked.Read(ref longestTimerTicks));

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Increment(ref reads);
        return System.GetUtcNow();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        long longest;
        while (dueTime.Ticks > (longest = Interlocked.Read(ref longestTimerTicks))
               && Interlocked.CompareExchange(ref longestTimerTicks, dueTime.Ticks, longest) != longest)
        {
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}

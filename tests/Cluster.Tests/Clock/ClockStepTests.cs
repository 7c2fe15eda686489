using RaftTimers.Cluster.Hosting;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests.Raft;

/// <summary>
/// A real node (a Raft group of one, its write-ahead log on disk, its leader's wheel and proposer) whose wall clock
/// the test steps: a timer must fire after a step of either sign, never stay pending for good.
/// </summary>
public sealed class ClockStepTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("rafttimers-clock-").FullName;

    [Theory]
    [InlineData(-2_000)]
    [InlineData(+2_000)]
    public async Task A_timer_created_after_the_leaders_clock_stepped_fires(int stepMs)
    {
        var clock = new SteppedClock();
        await using var node = await StartAsync(clock);
        await Eventually.WaitUntilAsync(() => node.IsLeader, "the node to lead");

        // The wheel's time runs with the clock every tick; let it get well ahead of the newest stamp in the log, so a
        // step back puts the next stamps below the wheel's time (the case that once stranded a timer).
        await Eventually.WaitUntilAsync(() => clock.GetUtcNow().ToUnixTimeMilliseconds() - node.Store.LastStampUnixMs > 500, "the clock to pass the last stamp");
        clock.Step(TimeSpan.FromMilliseconds(stepMs));

        var created = await node.Proposer.ProposeAsync(new CreateTimer("after-step", Specs.Http(100)));
        Assert.Equal(CommandOutcome.Applied, created.Outcome);
        await Eventually.WaitUntilAsync(() => node.Store.Read(s => s.Find("after-step"))?.Status is not TimerStatus.Pending, "the timer to fire");
    }

    [Fact]
    public void The_leaders_clock_never_goes_back_and_follows_a_step_forward()
    {
        var system = new SteppedClock();
        var clock = Clocks.Leader(system);
        var first = clock.NowUnixMs();

        system.Step(TimeSpan.FromHours(-1));
        Assert.True(clock.NowUnixMs() >= first);

        system.Step(TimeSpan.FromHours(2));
        Assert.True(clock.NowUnixMs() >= first + (TimeSpan.FromMinutes(59).TotalMilliseconds));
    }

    private Task<TimerNode> StartAsync(TimeProvider clock) => SingleNode.StartAsync(directory, clock);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>The system clock moved by whole steps, as an operator or NTP steps a node's wall clock; timestamps and timers stay real.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long offsetTicks;

        public void Step(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref offsetTicks));
    }
}

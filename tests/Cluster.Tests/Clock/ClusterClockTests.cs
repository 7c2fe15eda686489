using Microsoft.Extensions.Logging.Abstractions;
using RaftTimers.Cluster.Clock;

namespace RaftTimers.Tests.Clock;

/// <summary>
/// What a node makes of its own clock and the members' (docs/clocks.md): the verdict from samples, a step held back
/// until a majority confirms it, and stamps ahead of this clock flagged. Time is a hand-driven clock: a monotonic
/// counter and a wall clock the test moves apart.
/// </summary>
public sealed class ClusterClockTests
{
    private const long Skew = 500;

    private static ClockSample Sample(long offsetMs, long roundTripMs = 2) => new(offsetMs, roundTripMs, 0);

    [Theory]
    [InlineData(3, new long[] { 10, -20 }, ClockVerdict.Agrees)]
    [InlineData(3, new long[] { 3_600_000, -20 }, ClockVerdict.Agrees)] // one peer off: itself and one agreeing peer are a majority
    [InlineData(3, new long[] { -3_600_000, -3_600_100 }, ClockVerdict.Outlier)] // both others agree among themselves, not with it
    [InlineData(3, new long[] { 3_600_000, -3_600_000 }, ClockVerdict.Unknown)] // three clocks apart: nobody can tell who is right
    [InlineData(3, new long[] { 3_600_000 }, ClockVerdict.Unknown)] // one peer unreachable, the other disagrees
    [InlineData(3, new long[] { }, ClockVerdict.Unknown)]
    [InlineData(1, new long[] { }, ClockVerdict.Agrees)] // a node alone is its own majority
    [InlineData(2, new long[] { 5 }, ClockVerdict.Agrees)]
    [InlineData(2, new long[] { 3_600_000 }, ClockVerdict.Unknown)] // two members disagreeing: neither blames the other
    [InlineData(5, new long[] { 10, 900, 950, 1_000 }, ClockVerdict.Outlier)]
    [InlineData(5, new long[] { 10, 20, 900, 1_000 }, ClockVerdict.Agrees)]
    public void The_verdict_follows_a_majority_of_members(int members, long[] offsets, ClockVerdict expected)
        => Assert.Equal(expected, ClusterClock.Judge(members, [.. offsets.Select(o => Sample(o))], Skew));

    [Fact]
    public void A_samples_round_trip_counts_in_its_favour_and_only_that_much()
    {
        // 700 ms off with a 600 ms round trip: the clock may be as close as 400 ms, within the skew.
        Assert.Equal(ClockVerdict.Agrees, ClusterClock.Judge(2, [Sample(700, 600)], Skew));
        Assert.Equal(ClockVerdict.Unknown, ClusterClock.Judge(2, [Sample(700, 398)], Skew));
    }

    [Fact]
    public void A_step_ahead_is_not_followed_until_a_majority_of_members_confirms_it()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Agree(clock, time, "b", "c");
        Assert.True(clock.MayFire);
        var before = clock.Read().Trusted;

        time.Advance(TimeSpan.FromSeconds(1));
        time.StepWall(TimeSpan.FromHours(1));
        var (raw, trusted) = clock.Read();

        Assert.Equal(before + 1_000 + 3_600_000, raw);
        Assert.Equal(before + 1_000, trusted); // the hour ahead is neither fired nor stamped
        Assert.Equal(1, clock.Steps);
        Assert.Equal(-3_600_000, clock.CorrectionMs);
        Assert.False(clock.MayFire); // samples taken before the step cannot confirm the clock after it

        // The members, sampled after the step, say this clock is an hour ahead of both of theirs.
        Sample(clock, time, "b", -3_600_000);
        Sample(clock, time, "c", -3_600_010);
        Assert.Equal(ClockVerdict.Outlier, clock.Verdict);
        Assert.False(clock.MayFire);
        time.Advance(TimeSpan.FromSeconds(1));
        var held = clock.Read();
        Assert.Equal(held.Raw - 3_600_000, held.Trusted); // still the time before the step, running on

        // The clock is put right (NTP steps it back): once the members confirm it, it is followed again.
        time.StepWall(TimeSpan.FromHours(-1));
        Assert.Equal(held.Trusted, clock.Read().Trusted);
        Assert.Equal(2, clock.Steps);
        Agree(clock, time, "b", "c");
        Assert.True(clock.MayFire);
        Assert.Equal(0, clock.CorrectionMs);
    }

    [Fact]
    public void A_step_that_the_members_confirm_is_followed()
    {
        // A clock that was behind and is stepped right: the members' clocks were ahead all along.
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Sample(clock, time, "b", 2_000);
        Sample(clock, time, "c", 2_010);
        Assert.Equal(ClockVerdict.Outlier, clock.Verdict);

        time.StepWall(TimeSpan.FromSeconds(2));
        var stepped = clock.Read();
        Assert.Equal(stepped.Raw - 2_000, stepped.Trusted);

        Sample(clock, time, "b", 0);
        var confirmed = clock.Read();
        Assert.Equal(confirmed.Raw, confirmed.Trusted);
        Assert.True(clock.MayFire);
    }

    [Fact]
    public void A_node_alone_follows_its_clock_at_once()
    {
        var time = new HandClock();
        var clock = Node(time);
        Assert.True(clock.MayFire);
        time.StepWall(TimeSpan.FromHours(1));
        var (raw, trusted) = clock.Read();
        Assert.Equal(raw, trusted);
        Assert.Equal(1, clock.Steps);
    }

    [Fact]
    public void A_node_may_not_fire_before_its_clock_was_ever_confirmed_and_keeps_the_confirmation_while_samples_age()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Assert.False(clock.MayFire); // just started: nobody has confirmed its clock yet

        Agree(clock, time, "b", "c");
        Assert.True(clock.MayFire);

        // Members slow to answer (their samples age out) do not stop the leader from firing...
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(ClockVerdict.Unknown, clock.Verdict);
        Assert.True(clock.MayFire);

        // ...but fresh samples saying it drifted away do.
        Sample(clock, time, "b", 900);
        Sample(clock, time, "c", 950);
        Assert.Equal(ClockVerdict.Outlier, clock.Verdict);
        Assert.False(clock.MayFire);
    }

    [Fact]
    public void Before_the_node_knows_its_members_there_is_no_verdict_and_no_fire()
    {
        var time = new HandClock();
        var clock = new ClusterClock(new ClockOptions { MaxSkewMs = (int)Skew }, time, NullLogger.Instance);
        Assert.Equal(ClockVerdict.Unknown, clock.Verdict);
        Assert.False(clock.MayFire); // not "alone, so agreeing": a node started with a wrong clock must not be confirmed by nobody

        clock.SetPeers([]);
        Assert.True(clock.MayFire); // a node that is alone is its own majority
    }

    [Fact]
    public void An_outlier_stays_distrusted_when_its_samples_go_stale_until_a_majority_confirms_it()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Sample(clock, time, "b", -3_600_000);
        Sample(clock, time, "c", -3_600_020);
        Assert.True(clock.Distrusted);

        time.Advance(TimeSpan.FromMinutes(1)); // one member down, the other's samples aged out
        Assert.Equal(ClockVerdict.Unknown, clock.Verdict);
        Assert.True(clock.Distrusted);
        Assert.False(clock.MayFire);

        Sample(clock, time, "b", 0);
        Assert.False(clock.Distrusted);
        Assert.True(clock.MayFire);
    }

    [Fact]
    public void A_pause_between_reading_the_wall_clock_and_the_monotonic_clock_is_not_a_step()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Agree(clock, time, "b", "c");

        time.PauseDuringNextWallRead(TimeSpan.FromMilliseconds(400)); // descheduled right after reading the wall clock
        clock.Read();
        time.Advance(TimeSpan.FromMilliseconds(10));
        var (raw, trusted) = clock.Read();

        Assert.Equal(0, clock.Steps);
        Assert.Equal(raw, trusted);
        Assert.True(clock.MayFire);
    }

    [Fact]
    public void Samples_of_members_no_longer_in_the_cluster_are_dropped()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        Agree(clock, time, "b", "c");
        clock.SetPeers(["c"]);
        Assert.Equal(["c"], clock.Samples().Keys);
        Sample(clock, time, "b", 0); // a late answer from a removed member is not kept
        Assert.Equal(["c"], clock.Samples().Keys);
    }

    [Fact]
    public void The_offset_is_taken_at_the_middle_of_the_round_trip()
    {
        var time = new HandClock();
        var clock = Node(time, "b");
        var sentWall = time.GetUtcNow().ToUnixTimeMilliseconds();
        var sentAt = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(100));
        // The member read its clock 50 ms after the ask, when it said 1 s more than this clock then said.
        var sample = clock.Record("b", sentWall, sentAt, time.GetTimestamp(), sentWall + 50 + 1_000);
        Assert.Equal(1_000, sample.OffsetMs);
        Assert.Equal(100, sample.RoundTripMs);
    }

    [Fact]
    public void Stamps_ahead_of_this_clock_by_more_than_the_skew_are_counted()
    {
        var time = new HandClock();
        var clock = Node(time, "b", "c");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        clock.CheckStamp(1, now + Skew);
        clock.CheckStamp(2, now - 10_000);
        Assert.Equal(0, clock.StampsAhead);
        clock.CheckStamp(3, now + Skew + 1);
        clock.CheckStamp(4, now + 3_600_000);
        Assert.Equal(2, clock.StampsAhead);
    }

    private static ClusterClock Node(HandClock time, params string[] peers)
    {
        var clock = new ClusterClock(new ClockOptions { MaxSkewMs = (int)Skew }, time, NullLogger.Instance);
        clock.SetPeers(peers);
        clock.Read();
        return clock;
    }

    private static void Agree(ClusterClock clock, HandClock time, params string[] peers)
    {
        foreach (var peer in peers)
            Sample(clock, time, peer, 0);
    }

    /// <summary>A sample with a 2 ms round trip of a member whose clock is <paramref name="offsetMs"/> from this one's raw clock.</summary>
    private static void Sample(ClusterClock clock, HandClock time, string peer, long offsetMs)
    {
        var sentWall = time.GetUtcNow().ToUnixTimeMilliseconds();
        var sentAt = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(2));
        clock.Record(peer, sentWall, sentAt, time.GetTimestamp(), sentWall + 1 + offsetMs);
    }

    /// <summary>A monotonic clock moved by hand, and a wall clock that moves with it unless stepped.</summary>
    private sealed class HandClock : TimeProvider
    {
        private long ticks = TimeSpan.TicksPerDay;
        private long wallOffsetTicks;
        private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        private long pauseTicks;

        public override DateTimeOffset GetUtcNow()
        {
            var now = Start.AddTicks(Interlocked.Read(ref ticks) + Interlocked.Read(ref wallOffsetTicks));
            Interlocked.Add(ref ticks, Interlocked.Exchange(ref pauseTicks, 0)); // time passes after the wall clock was read
            return now;
        }

        /// <summary>The next read of the wall clock is followed by <paramref name="pause"/> before anything else runs.</summary>
        public void PauseDuringNextWallRead(TimeSpan pause) => Interlocked.Exchange(ref pauseTicks, pause.Ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);

        public void StepWall(TimeSpan by) => Interlocked.Add(ref wallOffsetTicks, by.Ticks);
    }
}

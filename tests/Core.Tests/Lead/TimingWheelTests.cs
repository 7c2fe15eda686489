using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

public sealed class TimingWheelTests
{
    private const long Start = 1_700_000_000_000;

    private static List<WheelEntry> Advance(TimingWheel wheel, long now)
    {
        var expired = new List<WheelEntry>();
        wheel.Advance(now, expired);
        return expired;
    }

    [Fact]
    public void A_timer_is_handed_out_when_time_reaches_its_due_and_not_a_tick_earlier()
    {
        var wheel = new TimingWheel(Start);
        wheel.Schedule("a", 3, Start + 100);

        Assert.Empty(Advance(wheel, Start + 99));
        Assert.True(wheel.Contains("a"));
        Assert.Equal([new WheelEntry("a", 3, Start + 100)], Advance(wheel, Start + 100));
        Assert.False(wheel.Contains("a"));
        Assert.Equal(0, wheel.Count);
        Assert.Empty(Advance(wheel, Start + 10_000));
    }

    [Fact]
    public void Advancing_past_several_dues_hands_them_all_out_once()
    {
        var wheel = new TimingWheel(Start);
        wheel.Schedule("a", 1, Start + 5);
        wheel.Schedule("b", 1, Start + 5);
        wheel.Schedule("c", 1, Start + 300);
        wheel.Schedule("d", 1, Start + 301);

        Assert.Equal(["a", "b", "c"], Advance(wheel, Start + 300).Select(e => e.TimerId).Order());
        Assert.Equal(["d"], Advance(wheel, Start + 301).Select(e => e.TimerId));
        Assert.Equal(Start + 301, wheel.CurrentUnixMs);
    }

    [Fact]
    public void A_cancelled_timer_is_never_handed_out()
    {
        var wheel = new TimingWheel(Start);
        wheel.Schedule("a", 1, Start + 10);
        wheel.Schedule("b", 1, Start + 20_000);

        Assert.True(wheel.Cancel("a"));
        Assert.True(wheel.Cancel("b"));

        Assert.False(wheel.Cancel("a"));
        Assert.False(wheel.Cancel("never"));
        Assert.Equal(0, wheel.Count);
        Assert.Empty(Advance(wheel, Start + 100_000));
    }

    [Fact]
    public void Cancel_of_a_timer_already_handed_out_is_false()
    {
        var wheel = new TimingWheel(Start);
        wheel.Schedule("a", 1, Start + 1);
        Advance(wheel, Start + 1);

        Assert.False(wheel.Cancel("a"));
    }

    [Theory]
    [InlineData(50, 70_000)]
    [InlineData(70_000, 50)]
    [InlineData(300, 200)]
    public void Rescheduling_replaces_the_earlier_schedule(long firstDelay, long secondDelay)
    {
        var wheel = new TimingWheel(Start);
        wheel.Schedule("a", 1, Start + firstDelay);

        wheel.Schedule("a", 2, Start + secondDelay);

        Assert.Equal(1, wheel.Count);
        Assert.Empty(Advance(wheel, Start + secondDelay - 1));
        Assert.Equal([new WheelEntry("a", 2, Start + secondDelay)], Advance(wheel, Start + secondDelay));
        Assert.Empty(Advance(wheel, Start + 100_000));
    }

    [Fact]
    public void A_timer_due_in_the_past_or_now_goes_out_with_the_next_advance_even_if_time_stands_still()
    {
        var wheel = new TimingWheel(Start);
        Advance(wheel, Start + 1_000);

        wheel.Schedule("past", 1, Start);
        wheel.Schedule("now", 1, Start + 1_000);
        wheel.Schedule("next", 1, Start + 1_001);

        Assert.Equal(["now", "past"], Advance(wheel, Start + 1_000).Select(e => e.TimerId).Order());
        Assert.Equal(["next"], Advance(wheel, Start + 1_001).Select(e => e.TimerId));
    }

    [Fact]
    public void Time_never_moves_back()
    {
        var wheel = new TimingWheel(Start);
        Advance(wheel, Start + 500);
        wheel.Schedule("a", 1, Start + 600);

        Assert.Empty(Advance(wheel, Start));
        Assert.Equal(Start + 500, wheel.CurrentUnixMs);
        Assert.Single(Advance(wheel, Start + 600));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    [InlineData(16_384)]
    [InlineData(1 << 20)]
    [InlineData(3 << 20)]
    public void A_timer_due_exactly_on_a_cascade_boundary_goes_out_on_time(long due)
    {
        // Dues that are multiples of the level sizes are reached by a cascade on the very tick they are due.
        var wheel = new TimingWheel(0);
        wheel.Schedule("a", 1, due);

        Assert.Empty(Advance(wheel, due - 1));
        Assert.Equal([new WheelEntry("a", 1, due)], Advance(wheel, due));
    }

    [Fact]
    public void Thousands_of_timers_scheduled_cancelled_and_rescheduled_while_the_wheel_grows_each_go_out_once_at_their_last_schedule()
    {
        // Far more timers than the wheel starts with room for: its storage grows several times, cancelled and expired
        // timers free their places, and new timers take them while others still hang off the same slots.
        var random = new Random(1234);
        var wheel = new TimingWheel(Start, capacity: 1);
        var expected = new Dictionary<string, WheelEntry>();
        var expired = new List<WheelEntry>();
        var now = Start;
        var version = 0L;
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                var id = $"t{random.Next(4_000)}";
                var due = now + random.Next(-5, 120_000);
                switch (random.Next(4))
                {
                    case 0:
                        Assert.Equal(expected.Remove(id), wheel.Cancel(id));
                        break;
                    default:
                        expected[id] = new WheelEntry(id, ++version, due);
                        wheel.Schedule(id, version, due);
                        break;
                }
            }

            Assert.Equal(expected.Count, wheel.Count);
            now += random.Next(0, 10_000);
            expired.Clear();
            wheel.Advance(now, expired);
            foreach (var entry in expired)
            {
                Assert.True(expected.Remove(entry.TimerId, out var scheduled), $"{entry.TimerId} went out but was not scheduled");
                Assert.Equal(scheduled, entry);
                Assert.True(entry.DueAtUnixMs <= now);
            }

            Assert.DoesNotContain(expected.Values, e => e.DueAtUnixMs <= now);
            Assert.Equal(expected.Count, wheel.Count);
            Assert.All(expected.Keys, id => Assert.True(wheel.Contains(id)));
        }

        expired.Clear();
        wheel.Advance(now + 200_000, expired);
        Assert.Equal(expected.Values.OrderBy(e => e.TimerId, StringComparer.Ordinal), expired.OrderBy(e => e.TimerId, StringComparer.Ordinal));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void A_million_timers_due_at_once_are_handed_out_a_slice_at_a_time_each_once()
    {
        var wheel = new TimingWheel(Start);
        const int count = 1_000_000;
        for (var i = 0; i < count; i++)
            wheel.Schedule($"m{i}", 1, Start + 10);
        wheel.Schedule("later", 1, Start + 11);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var expired = new List<WheelEntry>();
        var calls = 0;
        do
        {
            expired.Clear();
            wheel.Advance(Start + 10, expired, 1_000);
            Assert.True(expired.Count <= 1_000);
            Assert.All(expired, e => Assert.True(seen.Add(e.TimerId), $"{e.TimerId} handed out twice"));
            calls++;
        }
        while (expired.Count == 1_000);

        Assert.Equal(count, seen.Count);
        Assert.Equal(count / 1_000 + 1, calls);
        Assert.DoesNotContain("later", seen);
        Assert.Equal(["later"], Advance(wheel, Start + 11).Select(e => e.TimerId));
    }

    [Fact]
    public void A_limited_advance_over_a_far_jump_hands_out_the_rest_at_the_next_call()
    {
        var wheel = new TimingWheel(Start);
        for (var i = 0; i < 10; i++)
            wheel.Schedule($"j{i}", 1, Start + 1_000 + i);
        wheel.Schedule("far", 1, Start + 10_000_000);

        var expired = new List<WheelEntry>();
        wheel.Advance(Start + 5_000_000, expired, 4); // past the one-minute gap: the wheel is placed again in one go
        Assert.Equal(4, expired.Count);
        Assert.Equal(Start + 5_000_000, wheel.CurrentUnixMs);
        wheel.Advance(Start + 5_000_000, expired, 100);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"j{i}").Order(), expired.Select(e => e.TimerId).Order());
        Assert.True(wheel.Contains("far"));
    }
}

using RaftTimers.Core.Lead;

namespace RaftTimers.Tests;

/// <summary>
/// Timers hours, days and years ahead go out on their exact millisecond, whether the wheel steps there (a gap of up to
/// a minute costs a step per millisecond) or jumps (a longer gap places every timer again).
/// </summary>
public sealed class TimingWheelFarTimerTests
{
    [Fact]
    public void Timers_hours_and_days_ahead_go_out_exactly_at_their_due()
    {
        const long level3 = 1L << 26;
        const long start = 1_700_000_000_000;
        var firstLevel3Boundary = ((start / level3) + 1) * level3;
        var wheel = new TimingWheel(start);

        var dues = new SortedDictionary<long, string>
        {
            [start + 3_600_000] = "one-hour",
            [start + 3_600_000 + 1] = "one-hour-and-a-ms",
            [start + (1L << 20)] = "level-2-edge",
            [firstLevel3Boundary] = "on-a-level-3-boundary",
            [firstLevel3Boundary + 1] = "after-a-level-3-boundary",
            [start + 86_400_000] = "one-day",
            [start + level3 - 1] = "just-below-level-3",
            [start + level3] = "first-level-3",
            [start + level3 + 257] = "level-3-plus",
            [start + level3 + 25_000_000] = "one-day-and-more",
        };
        foreach (var (due, id) in dues)
            wheel.Schedule(id, 7, due);
        wheel.Schedule("max-timeout", 1, start + int.MaxValue);
        wheel.Schedule("beyond-the-wheel", 1, start + (1L << 33));

        var expired = new List<WheelEntry>();
        foreach (var (due, id) in dues)
        {
            wheel.Advance(due - 1, expired);
            Assert.True(expired.Count == 0, $"{string.Join(", ", expired)} went out before {id} was due at {due}");
            wheel.Advance(due, expired);
            Assert.True(expired.SequenceEqual([new WheelEntry(id, 7, due)]), $"at {due} expected {id}, got [{string.Join(", ", expired)}]");
            expired.Clear();
        }

        Assert.Equal(2, wheel.Count);
        Assert.True(wheel.Contains("max-timeout"));
        Assert.True(wheel.Contains("beyond-the-wheel"));

        foreach (var (due, id) in new[] { (start + int.MaxValue, "max-timeout"), (start + (1L << 33), "beyond-the-wheel") })
        {
            wheel.Advance(due - 1, expired);
            Assert.Empty(expired);
            wheel.Advance(due, expired);
            Assert.Equal([new WheelEntry(id, 1, due)], expired);
            expired.Clear();
        }

        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public async Task A_clock_step_of_years_hands_out_what_is_due_at_once_and_keeps_the_rest()
    {
        // Stepping a millisecond at a time, ten years would take 3 * 10^11 steps: minutes, while the leader fires nothing.
        const long start = 1_700_000_000_000, tenYears = 10L * 365 * 86_400_000;
        var wheel = new TimingWheel(start);
        for (var i = 0; i < 10_000; i++)
            wheel.Schedule($"soon-{i}", 1, start + 1 + i);
        wheel.Schedule("after-the-step", 1, start + tenYears + 5);

        var expired = new List<WheelEntry>();
        await Task.Run(() => wheel.Advance(start + tenYears, expired)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(10_000, expired.Count);
        Assert.Equal(10_000, expired.Select(e => e.TimerId).Distinct().Count());
        Assert.Equal(1, wheel.Count);
        Assert.True(wheel.Contains("after-the-step"));
        expired.Clear();
        wheel.Advance(start + tenYears + 4, expired);
        Assert.Empty(expired);
        wheel.Advance(start + tenYears + 5, expired);
        Assert.Equal([new WheelEntry("after-the-step", 1, start + tenYears + 5)], expired);
    }
}

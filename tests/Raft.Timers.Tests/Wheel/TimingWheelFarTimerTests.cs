using RaftTimers.Wheel;

namespace RaftTimers.Tests;

/// <summary>
/// Timers hours and days ahead travel down through every level of the wheel. Advance costs one step
/// per elapsed millisecond, so this walks about 1.2 days of wheel time once, checking each due on the
/// exact millisecond. The 24.8-day maximum timeout and a due beyond the wheel's 2^32 ms horizon are
/// only checked for staying put over that walk: reaching them would take 2^31 steps (about 40 s).
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
    }
}

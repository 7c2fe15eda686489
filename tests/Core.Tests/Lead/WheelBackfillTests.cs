using RaftTimers.Core.Lead;

namespace RaftTimers.Tests.Wheel;

public sealed class WheelBackfillTests
{
    private const long Now = 1_790_000_000_000;

    [Fact]
    public void Timers_due_soon_are_placed_at_once_and_the_rest_in_slices()
    {
        var wheel = new TimingWheel(Now);
        var pending = Enumerable.Range(0, 100)
            .Select(i => new WheelEntry($"t{i}", 1, Now + (i % 2 == 0 ? 1_000 : WheelBackfill.NearMs + (i * 1_000))))
            .ToList();

        var backfill = new WheelBackfill(wheel, pending, Now);

        Assert.Equal(50, backfill.PlacedAtOnce);
        Assert.Equal(50, wheel.Count);
        Assert.Equal(50, backfill.Remaining);
        Assert.All(pending.Where((_, i) => i % 2 == 0), t => Assert.True(wheel.Contains(t.TimerId)));

        backfill.ScheduleSome(wheel, 20);
        Assert.Equal(70, wheel.Count);
        Assert.Equal(30, backfill.Remaining);
        backfill.ScheduleSome(wheel, 1_000);
        Assert.Equal(100, wheel.Count);
        Assert.Equal(0, backfill.Remaining);

        // Every timer expires at its due time, each once.
        var expired = new List<WheelEntry>();
        wheel.Advance(Now + WheelBackfill.NearMs + 200_000, expired);
        Assert.Equal(pending.OrderBy(p => p.TimerId), expired.OrderBy(e => e.TimerId));
    }

    [Fact]
    public void A_timer_placed_by_a_newer_event_is_not_put_back_at_its_older_schedule()
    {
        var wheel = new TimingWheel(Now);
        var backfill = new WheelBackfill(wheel, [new WheelEntry("updated", 1, Now + WheelBackfill.NearMs + 60_000)], Now);
        Assert.Equal(0, wheel.Count);

        // An update applied after the term began: version 2, due soon.
        wheel.Schedule("updated", 2, Now + 5_000);
        backfill.ScheduleSome(wheel, 10);

        var expired = new List<WheelEntry>();
        wheel.Advance(Now + WheelBackfill.NearMs + 120_000, expired);
        Assert.Equal([new WheelEntry("updated", 2, Now + 5_000)], expired);
    }
}

using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>The fire entry is a logged pulse: it applies only to a pending timer at that version that is due at the entry's stamp.</summary>
public sealed class FireTimerTests
{
    private static Transcript Pending(long createdAt = 1_000, long timeoutMs = 500)
    {
        var t = new Transcript();
        t.One(createdAt, new CreateTimer("a", Specs.Http(timeoutMs)));
        return t;
    }

    [Fact]
    public void A_fire_at_the_due_time_applies()
    {
        var t = Pending();

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 1, 1_500), t.One(1_500, new FireTimer("a", 1)));

        var timer = t.Timer("a");
        Assert.Equal(TimerStatus.Firing, timer.Status);
        Assert.Equal(t.Index, timer.FiredAtIndex);
        Assert.Equal(1, timer.FireCount);
        Assert.Equal(0, t.State.PendingCount);
        Assert.Equal([new TimerFired("a", 1)], t.Events);
    }

    [Fact]
    public void A_late_fire_applies()
        => Assert.Equal(CommandOutcome.Applied, Pending().One(90_000, new FireTimer("a", 1)).Outcome);

    [Fact]
    public void A_fire_before_the_due_time_is_stale()
    {
        var t = Pending();

        Assert.Equal(CommandOutcome.Stale, t.One(1_499, new FireTimer("a", 1)).Outcome);
        Assert.Equal(TimerStatus.Pending, t.Timer("a").Status);
        Assert.Empty(t.Events);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(long.MaxValue)]
    public void A_fire_of_another_version_is_stale(long version)
    {
        var t = Pending();

        Assert.Equal(CommandOutcome.Stale, t.One(5_000, new FireTimer("a", version)).Outcome);
        Assert.Equal(TimerStatus.Pending, t.Timer("a").Status);
    }

    [Fact]
    public void A_second_fire_of_a_firing_timer_is_stale()
    {
        var t = Pending();
        t.One(1_500, new FireTimer("a", 1));
        var firedAt = t.Index;

        Assert.Equal(CommandOutcome.Stale, t.One(1_600, new FireTimer("a", 1)).Outcome);
        Assert.Equal(1, t.Timer("a").FireCount);
        Assert.Equal(firedAt, t.Timer("a").FiredAtIndex);
        Assert.Empty(t.Events);
    }

    [Fact]
    public void Two_fires_in_one_entry_apply_once()
    {
        var t = Pending();

        var results = t.At(2_000, new FireTimer("a", 1), new FireTimer("a", 1));

        Assert.Equal([CommandOutcome.Applied, CommandOutcome.Stale], results.Select(r => r.Outcome));
        Assert.Equal([new TimerFired("a", 1)], t.Events);
    }

    [Fact]
    public void A_fire_of_an_old_version_after_an_update_is_stale()
    {
        // docs/design.md invariant 3: a deposed leader's late fire of version 1 cannot fire version 2.
        var t = Pending();
        t.One(1_400, new UpdateTimer("a", Specs.Http(500)));

        Assert.Equal(CommandOutcome.Stale, t.One(1_899, new FireTimer("a", 2)).Outcome);
        Assert.Equal(CommandOutcome.Stale, t.One(2_000, new FireTimer("a", 1)).Outcome);
        Assert.Equal(new CommandResult(CommandOutcome.Applied, 2, 1_900), t.One(2_000, new FireTimer("a", 2)));
        Assert.Equal([new TimerFired("a", 2)], t.Events);
    }

    [Fact]
    public void A_fire_of_an_unknown_timer_is_not_found()
        => Assert.Equal(CommandOutcome.NotFound, new Transcript().One(1, new FireTimer("ghost", 1)).Outcome);

    [Fact]
    public void A_fire_of_a_finished_timer_is_stale()
    {
        var t = Pending();
        t.One(1_500, new FireTimer("a", 1));
        t.One(1_600, new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null));

        Assert.Equal(CommandOutcome.Stale, t.One(1_700, new FireTimer("a", 1)).Outcome);
        Assert.Equal(TimerStatus.Delivered, t.Timer("a").Status);
    }

    [Fact]
    public void Firing_timers_are_offered_oldest_fire_first_skipping_the_ones_asked_to_skip()
    {
        var t = new Transcript();
        foreach (var id in new[] { "z", "m", "a", "q" })
            t.One(1_000, new CreateTimer(id, Specs.Http(10)));
        foreach (var id in new[] { "q", "z", "a", "m" }) // fired in this order, each in an entry of its own
            t.One(2_000, new FireTimer(id, 1));

        Assert.Equal(["q", "z"], t.State.SomeFiring((_, _) => false, 2, out var more).Select(r => r.Id));
        Assert.True(more);
        Assert.Equal(["z", "m"], t.State.SomeFiring((id, _) => id is "q" or "a", 10, out more).Select(r => r.Id));
        Assert.False(more);

        // Delivered timers leave; a snapshot restores the same order.
        t.One(3_000, new RecordDelivery("z", 1, 1, DeliveryOutcome.Delivered, null));
        var restored = new TimerStateMachine();
        restored.Load(t.State.LastAppliedIndex, t.State.LastStampUnixMs, t.State.All.ToList());
        Assert.Equal(["q", "a", "m"], restored.SomeFiring((_, _) => false, 10, out _).Select(r => r.Id));
    }
}

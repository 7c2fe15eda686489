using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class CancelTimerTests
{
    [Fact]
    public void Cancel_of_a_pending_timer_finishes_it_as_cancelled()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 1, 1_500), t.One(1_100, new CancelTimer("a")));

        var timer = t.Timer("a");
        Assert.Equal(TimerStatus.Cancelled, timer.Status);
        Assert.Equal(1_100, timer.FinishedAtUnixMs);
        Assert.Equal(0, t.State.PendingCount);
        Assert.Equal([new TimerUnscheduled("a")], t.Events);
    }

    [Fact]
    public void Cancel_again_is_already_applied_and_changes_nothing()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));
        t.One(1_100, new CancelTimer("a"));

        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(1_200, new CancelTimer("a")).Outcome);
        Assert.Equal(TimerStatus.Cancelled, t.Timer("a").Status);
        Assert.Equal(1_100, t.Timer("a").FinishedAtUnixMs);
        Assert.Empty(t.Events);
    }

    [Fact]
    public void Cancel_of_an_unknown_or_firing_timer_is_not_found()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(10)));
        t.One(1_010, new FireTimer("a", 1));

        Assert.Equal(CommandOutcome.NotFound, t.One(1_020, new CancelTimer("a")).Outcome);
        Assert.Equal(CommandOutcome.NotFound, t.One(1_020, new CancelTimer("b")).Outcome);
        Assert.Equal(TimerStatus.Firing, t.Timer("a").Status);
    }

    [Fact]
    public void No_fire_of_any_version_applies_after_a_cancel()
    {
        // docs/design.md invariant 5: a committed cancel wins over every later fire, whatever its version.
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(10)));
        t.One(1_001, new UpdateTimer("a", Specs.Http(10)));
        t.One(1_002, new CancelTimer("a"));

        var results = t.At(99_000, new FireTimer("a", 1), new FireTimer("a", 2), new FireTimer("a", 3));

        Assert.All(results, r => Assert.Equal(CommandOutcome.Stale, r.Outcome));
        Assert.Equal(TimerStatus.Cancelled, t.Timer("a").Status);
        Assert.Equal(0, t.Timer("a").FireCount);
        Assert.Empty(t.Events);
    }
}

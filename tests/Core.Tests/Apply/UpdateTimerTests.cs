using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class UpdateTimerTests
{
    [Fact]
    public void Update_bumps_the_version_and_recomputes_due_from_its_own_stamp()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));

        var result = t.One(1_200, new UpdateTimer("a", Specs.Http(800, "http://h/v2", Specs.Text("v2"))));

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 2, 2_000), result);
        var timer = t.Timer("a");
        Assert.Equal((2L, TimerStatus.Pending, 2_000L, 1_000L), (timer.Version, timer.Status, timer.DueAtUnixMs, timer.CreatedAtUnixMs));
        Assert.Equal("http://h/v2", timer.Spec.Callback.Uri);
        Assert.Equal("v2"u8.ToArray(), timer.Spec.Data.Utf8.ToArray());
        Assert.Equal(1, t.State.PendingCount);
        Assert.Equal([new TimerScheduled("a", 2, 2_000)], t.Events);
    }

    [Fact]
    public void Each_update_bumps_the_version_again()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));
        t.One(1_100, new UpdateTimer("a", Specs.Http(500)));

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 3, 1_700), t.One(1_200, new UpdateTimer("a", Specs.Http(500))));
    }

    [Fact]
    public void An_update_expecting_the_current_version_applies_and_a_retry_of_it_conflicts_without_a_change()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));
        var replace = new UpdateTimer("a", Specs.Http(800, "http://h/v2"), ExpectedVersion: 1);

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 2, 2_000), t.One(1_200, replace));
        var retried = t.One(1_300, replace);

        Assert.Equal(CommandOutcome.Conflict, retried.Outcome);
        Assert.Equal(2, retried.Version);
        Assert.Empty(t.Events);
        var timer = t.Timer("a");
        Assert.Equal((2L, 2_000L), (timer.Version, timer.DueAtUnixMs));
    }

    [Fact]
    public void Update_of_an_unknown_id_is_not_found()
    {
        var t = new Transcript();

        Assert.Equal(CommandOutcome.NotFound, t.One(1_000, new UpdateTimer("nope", Specs.Http(1))).Outcome);
        Assert.Equal(0, t.State.Count);
        Assert.Empty(t.Events);
    }

    [Fact]
    public void Update_of_a_firing_or_finished_timer_is_not_found()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("firing", Specs.Http(10)), new CreateTimer("cancelled", Specs.Http(10)), new CreateTimer("delivered", Specs.Http(10)));
        t.At(2_000, new FireTimer("firing", 1), new CancelTimer("cancelled"), new FireTimer("delivered", 1));
        t.At(2_100, new RecordDelivery("delivered", 1, 1, DeliveryOutcome.Delivered, null));

        var results = t.At(3_000,
            new UpdateTimer("firing", Specs.Http(99)), new UpdateTimer("cancelled", Specs.Http(99)), new UpdateTimer("delivered", Specs.Http(99)));

        Assert.All(results, r => Assert.Equal(CommandOutcome.NotFound, r.Outcome));
        Assert.All(t.State.All, r => Assert.Equal(1, r.Version));
        Assert.Empty(t.Events);
    }
}

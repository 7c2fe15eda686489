using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class CreateTimerTests
{
    [Fact]
    public void Create_makes_a_pending_timer_at_version_1_due_at_stamp_plus_timeout()
    {
        var t = new Transcript();

        var result = t.One(1_000, new CreateTimer("a", Specs.Http(250, data: Specs.Text("x"))));

        Assert.Equal(new CommandResult(CommandOutcome.Applied, 1, 1_250), result);
        var timer = t.Timer("a");
        Assert.Equal(TimerStatus.Pending, timer.Status);
        Assert.Equal(1, timer.Version);
        Assert.Equal(1_000, timer.CreatedAtUnixMs);
        Assert.Equal(1_250, timer.DueAtUnixMs);
        Assert.Equal(0, timer.Attempts);
        Assert.Null(timer.LastError);
        Assert.Equal(0, timer.FinishedAtUnixMs);
        Assert.Equal(1, t.State.PendingCount);
        Assert.Equal([new TimerScheduled("a", 1, 1_250)], t.Events);
    }

    [Fact]
    public void Repeating_a_create_with_the_same_spec_is_already_applied_and_changes_nothing()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(250, data: Specs.Json("{\"n\":1}"))));

        // A retried proposal: same spec (fresh byte arrays), later stamp.
        var result = t.One(5_000, new CreateTimer("a", Specs.Http(250, data: Specs.Json("{\"n\":1}"))));

        Assert.Equal(CommandOutcome.AlreadyApplied, result.Outcome);
        Assert.Equal((1, 1_250), (result.Version, result.DueAtUnixMs));
        Assert.Equal(1_250, t.Timer("a").DueAtUnixMs);
        Assert.Equal(1_000, t.Timer("a").CreatedAtUnixMs);
        Assert.Equal(1, t.State.PendingCount);
        Assert.Empty(t.Events);
    }

    [Theory]
    [InlineData(251, Specs.DefaultUri, "{\"n\":1}")]
    [InlineData(250, "http://127.0.0.1:9000/other", "{\"n\":1}")]
    [InlineData(250, Specs.DefaultUri, "{\"n\":2}")]
    public void A_create_with_the_same_id_and_another_spec_conflicts(long timeoutMs, string uri, string json)
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(250, data: Specs.Json("{\"n\":1}"))));

        var result = t.One(2_000, new CreateTimer("a", Specs.Http(timeoutMs, uri, Specs.Json(json))));

        Assert.Equal(CommandOutcome.Conflict, result.Outcome);
        Assert.Equal(1_250, t.Timer("a").DueAtUnixMs);
        Assert.Equal(Specs.DefaultUri, t.Timer("a").Spec.Callback.Uri);
        Assert.Empty(t.Events);
    }

    [Fact]
    public void Same_bytes_as_text_and_as_json_are_different_specs()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(250, data: Specs.Text("{}"))));

        Assert.Equal(CommandOutcome.Conflict, t.One(1_000, new CreateTimer("a", Specs.Http(250, data: Specs.Json("{}")))).Outcome);
    }

    [Fact]
    public void A_finished_timer_keeps_its_id_until_purged()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(250)));
        t.One(1_100, new CancelTimer("a"));

        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(1_200, new CreateTimer("a", Specs.Http(250))).Outcome);
        Assert.Equal(CommandOutcome.Conflict, t.One(1_200, new CreateTimer("a", Specs.Http(999))).Outcome);
        Assert.Equal(TimerStatus.Cancelled, t.Timer("a").Status);

        t.One(10_000, new PurgeFinished(0));
        Assert.Equal(new CommandResult(CommandOutcome.Applied, 1, 10_999), t.One(10_000, new CreateTimer("a", Specs.Http(999))));
    }

    [Fact]
    public void Several_creates_in_one_entry_share_its_stamp()
    {
        var t = new Transcript();

        var results = t.At(7_000, new CreateTimer("a", Specs.Http(1)), new CreateTimer("b", Specs.Http(2)), new CreateTimer("a", Specs.Http(3)));

        Assert.Equal([CommandOutcome.Applied, CommandOutcome.Applied, CommandOutcome.Conflict], results.Select(r => r.Outcome));
        Assert.Equal(7_001, t.Timer("a").DueAtUnixMs);
        Assert.Equal(7_002, t.Timer("b").DueAtUnixMs);
        Assert.Equal(2, t.State.PendingCount);
        Assert.Equal([new TimerScheduled("a", 1, 7_001), new TimerScheduled("b", 1, 7_002)], t.Events);
    }
}

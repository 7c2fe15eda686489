using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class RecordDeliveryTests
{
    /// <summary>Timer "a" at version 2, fired at stamp 2 000.</summary>
    private static Transcript Firing()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));
        t.One(1_100, new UpdateTimer("a", Specs.Http(500)));
        t.One(2_000, new FireTimer("a", 2));
        return t;
    }

    [Fact]
    public void A_retry_records_the_attempt_and_error_and_keeps_the_timer_firing()
    {
        var t = Firing();

        Assert.Equal(CommandOutcome.Applied, t.One(2_100, new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, "HTTP 503")).Outcome);
        Assert.Equal((TimerStatus.Firing, 1, "HTTP 503"), (t.Timer("a").Status, t.Timer("a").Attempts, t.Timer("a").LastError));

        Assert.Equal(CommandOutcome.Applied, t.One(2_200, new RecordDelivery("a", 2, 2, DeliveryOutcome.Retry, "timeout")).Outcome);
        Assert.Equal((TimerStatus.Firing, 2, "timeout"), (t.Timer("a").Status, t.Timer("a").Attempts, t.Timer("a").LastError));
        Assert.Empty(t.Events);
    }

    [Fact]
    public void A_retry_without_error_keeps_the_last_error()
    {
        var t = Firing();
        t.One(2_100, new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, "HTTP 503"));

        t.One(2_200, new RecordDelivery("a", 2, 2, DeliveryOutcome.Retry, null));

        Assert.Equal((2, "HTTP 503"), (t.Timer("a").Attempts, t.Timer("a").LastError));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_retry_for_an_attempt_not_newer_than_the_last_is_stale(int attempt)
    {
        var t = Firing();
        t.One(2_100, new RecordDelivery("a", 2, 2, DeliveryOutcome.Retry, "second"));

        Assert.Equal(CommandOutcome.Stale, t.One(2_200, new RecordDelivery("a", 2, attempt, DeliveryOutcome.Retry, "late")).Outcome);
        Assert.Equal((2, "second"), (t.Timer("a").Attempts, t.Timer("a").LastError));
    }

    [Fact]
    public void A_result_for_another_version_is_stale()
    {
        var t = Firing();

        Assert.Equal(CommandOutcome.Stale, t.One(2_100, new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null)).Outcome);
        Assert.Equal(CommandOutcome.Stale, t.One(2_100, new RecordDelivery("a", 3, 1, DeliveryOutcome.Failed, null)).Outcome);
        Assert.Equal(TimerStatus.Firing, t.Timer("a").Status);
    }

    [Fact]
    public void Delivered_finishes_the_timer()
    {
        var t = Firing();
        t.One(2_100, new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, "HTTP 503"));

        Assert.Equal(CommandOutcome.Applied, t.One(2_300, new RecordDelivery("a", 2, 2, DeliveryOutcome.Delivered, null)).Outcome);

        var timer = t.Timer("a");
        Assert.Equal((TimerStatus.Delivered, 2, 2_300L), (timer.Status, timer.Attempts, timer.FinishedAtUnixMs));
        Assert.Equal("HTTP 503", timer.LastError);
    }

    [Fact]
    public void Failed_finishes_the_timer_with_the_error()
    {
        var t = Firing();

        Assert.Equal(CommandOutcome.Applied, t.One(2_300, new RecordDelivery("a", 2, 5, DeliveryOutcome.Failed, "gave up")).Outcome);

        var timer = t.Timer("a");
        Assert.Equal((TimerStatus.Failed, 5, "gave up", 2_300L), (timer.Status, timer.Attempts, timer.LastError, timer.FinishedAtUnixMs));
    }

    [Fact]
    public void Results_after_the_timer_finished_are_stale()
    {
        var t = Firing();
        t.One(2_300, new RecordDelivery("a", 2, 1, DeliveryOutcome.Delivered, null));

        Assert.Equal(CommandOutcome.Stale, t.One(2_400, new RecordDelivery("a", 2, 1, DeliveryOutcome.Delivered, null)).Outcome);
        Assert.Equal(CommandOutcome.Stale, t.One(2_400, new RecordDelivery("a", 2, 2, DeliveryOutcome.Failed, "late")).Outcome);
        Assert.Equal((TimerStatus.Delivered, 2_300L), (t.Timer("a").Status, t.Timer("a").FinishedAtUnixMs));
    }

    [Fact]
    public void Results_for_a_pending_or_unknown_timer_are_ignored()
    {
        var t = new Transcript();
        t.One(1_000, new CreateTimer("a", Specs.Http(500)));

        Assert.Equal(CommandOutcome.Stale, t.One(1_100, new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null)).Outcome);
        Assert.Equal(CommandOutcome.NotFound, t.One(1_100, new RecordDelivery("b", 1, 1, DeliveryOutcome.Delivered, null)).Outcome);
        Assert.Equal(TimerStatus.Pending, t.Timer("a").Status);
    }

    [Fact]
    public void A_long_error_is_cut_to_the_limit()
    {
        var t = Firing();

        t.One(2_100, new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, new string('e', 2_000)));

        Assert.Equal(new string('e', TimerLimits.MaxErrorLength), t.Timer("a").LastError);
    }

    [Fact]
    public void Cutting_a_long_error_never_splits_a_surrogate_pair()
    {
        // A lone surrogate would not survive the snapshot's UTF-8 and a restored node would hold other text.
        var t = Firing();
        var error = "x" + string.Concat(Enumerable.Repeat("😀", 600));
        Assert.True(char.IsHighSurrogate(error[TimerLimits.MaxErrorLength - 1]));

        t.One(2_100, new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, error));

        var kept = t.Timer("a").LastError!;
        Assert.True(kept.Length <= TimerLimits.MaxErrorLength);
        Assert.StartsWith(kept, error, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(kept[^1]), "the cut left a lone high surrogate at the end");
        Assert.Equal(TimerLimits.MaxErrorLength - 1, kept.Length);
    }
}

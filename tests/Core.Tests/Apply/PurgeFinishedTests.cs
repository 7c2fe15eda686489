using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class PurgeFinishedTests
{
    /// <summary>
    /// "cancelled" finished at 2 000, "delivered" at 3 000, "failed" at 4 000;
    /// "pending" and "firing" are not finished.
    /// </summary>
    private static Transcript Mixed()
    {
        var t = new Transcript();
        t.At(1_000,
            new CreateTimer("cancelled", Specs.Http(10)), new CreateTimer("delivered", Specs.Http(10)),
            new CreateTimer("failed", Specs.Http(10)), new CreateTimer("firing", Specs.Http(10)), new CreateTimer("pending", Specs.Http(1_000_000)));
        t.At(1_500, new FireTimer("delivered", 1), new FireTimer("failed", 1), new FireTimer("firing", 1));
        t.At(2_000, new CancelTimer("cancelled"));
        t.At(3_000, new RecordDelivery("delivered", 1, 1, DeliveryOutcome.Delivered, null));
        t.At(4_000, new RecordDelivery("failed", 1, 1, DeliveryOutcome.Failed, "x"));
        return t;
    }

    private static string[] Ids(Transcript t) => t.State.All.Select(r => r.Id).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Nothing_finished_long_enough_ago_means_nothing_to_purge()
    {
        var t = Mixed();

        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(5_000, new PurgeFinished(3_001)).Outcome);
        Assert.Equal(5, t.State.Count);
    }

    [Fact]
    public void Purge_removes_finished_timers_in_finish_order_up_to_the_retention()
    {
        var t = Mixed();

        // Cutoff 5 000 - 2 000 = 3 000: "cancelled" (2 000) and "delivered" (3 000, exactly at the cutoff) go.
        Assert.Equal(CommandOutcome.Applied, t.One(5_000, new PurgeFinished(2_000)).Outcome);
        Assert.Equal(["failed", "firing", "pending"], Ids(t));

        Assert.Equal(CommandOutcome.Applied, t.One(5_000, new PurgeFinished(1_000)).Outcome);
        Assert.Equal(["firing", "pending"], Ids(t));
        // Nothing for the leader's wheel, only what the event stream tells: which timer went.
        Assert.Equal([new TimerPurged("failed", 1)], t.Events);
    }

    [Fact]
    public void Failed_timers_stay_for_their_own_retention_while_older_others_go_and_the_bounds_still_take_the_oldest()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("failed", Specs.Http(10)), new CreateTimer("delivered", Specs.Http(10)), new CreateTimer("cancelled", Specs.Http(100_000)));
        t.At(1_010, new FireTimer("failed", 1), new FireTimer("delivered", 1));
        t.At(2_000, new RecordDelivery("failed", 1, 1, DeliveryOutcome.Failed, "gone"));
        t.At(3_000, new RecordDelivery("delivered", 1, 1, DeliveryOutcome.Delivered, null));
        t.At(4_000, new CancelTimer("cancelled"));

        // Retention 1 000 for all, 10 000 for failed ones: at 4 500 the delivered one (3 000) goes, the failed one (2 000) stays.
        var bounds = new FinishedBounds(10, long.MaxValue, 100);
        Assert.Equal(1, t.One(4_500, new PurgeFinished(1_000, bounds) { FailedRetentionMs = 10_000 }).Purged);
        Assert.Equal(["cancelled", "failed"], Ids(t));
        Assert.Equal([new TimerPurged("delivered", 1)], t.Events);

        // Over the bounds, the oldest goes first whatever kind it is: the failed one (2 000) before the cancelled (4 000).
        Assert.Equal(1, t.One(4_600, new PurgeFinished(1_000, new FinishedBounds(1, long.MaxValue, 100)) { FailedRetentionMs = 10_000 }).Purged);
        Assert.Equal(["cancelled"], Ids(t));

        // Past its own retention a failed timer goes as the others do.
        var u = new Transcript();
        u.At(1_000, new CreateTimer("f", Specs.Http(10)));
        u.At(1_010, new FireTimer("f", 1));
        u.At(2_000, new RecordDelivery("f", 1, 1, DeliveryOutcome.Failed, "gone"));
        Assert.Equal(0, u.One(11_999, new PurgeFinished(0, bounds) { FailedRetentionMs = 10_000 }).Purged);
        Assert.Equal(1, u.One(12_000, new PurgeFinished(0, bounds) { FailedRetentionMs = 10_000 }).Purged);
    }

    [Fact]
    public void A_purge_with_a_failed_retention_is_version_3_byte_for_byte_and_needs_level_6()
    {
        TimerCommand[] commands = [new PurgeFinished(86_400_000, new FinishedBounds(100, 1_000, 10)) { FailedRetentionMs = 300 }];
        // Derived by hand: kind 06 version 03, 10 bytes: retention 86 400 000 (80 B8 99 29), 100 (64), 1 000 (E8 07), 10 (0A), 300 (AC 02).
        const string Hex = "017B68E5CF8B01000001" + "06030A" + "80B89929" + "64" + "E807" + "0A" + "AC02";

        Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(1_700_000_000_123, commands)));
        CommandAssert.Equal(commands, LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands);
        Assert.Equal(LogLevels.PauseResume, LogLevels.Needed(commands[0]));
        Assert.Throws<ArgumentException>(() => LogEntryCodec.Encode(0, [new PurgeFinished(1) { FailedRetentionMs = 2 }]));
    }

    [Fact]
    public void Purge_keeps_pending_and_firing_timers_however_old()
    {
        var t = Mixed();

        t.One(long.MaxValue / 2, new PurgeFinished(0));

        Assert.Equal(["firing", "pending"], Ids(t));
        Assert.Equal(TimerStatus.Firing, t.Timer("firing").Status);
        Assert.Equal(1, t.State.PendingCount);
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(long.MaxValue / 2, new PurgeFinished(0)).Outcome);
    }

    [Fact]
    public void A_purged_id_is_free_for_a_new_timer_that_is_purged_on_its_own_schedule()
    {
        var t = Mixed();
        t.One(10_000, new PurgeFinished(0));
        t.One(10_000, new CreateTimer("cancelled", Specs.Http(5)));
        t.One(10_100, new CancelTimer("cancelled"));

        t.One(10_150, new PurgeFinished(100));
        Assert.NotNull(t.State.Find("cancelled"));

        t.One(10_200, new PurgeFinished(100));
        Assert.Null(t.State.Find("cancelled"));
    }

    private static readonly long Young = long.MaxValue; // a retention nothing reaches: only the bounds purge

    [Fact]
    public void Bounds_purge_the_oldest_finished_timers_whatever_their_age_and_leave_pending_and_firing_ones()
    {
        var t = Mixed();

        var result = t.One(5_000, new PurgeFinished(Young, new FinishedBounds(MaxTimers: 1, MaxBytes: long.MaxValue, MaxPerEntry: 100)));

        Assert.Equal((CommandOutcome.Applied, 2), (result.Outcome, result.Purged));
        Assert.Equal(["failed", "firing", "pending"], Ids(t));
        Assert.Equal(1, t.State.FinishedCount);
    }

    [Fact]
    public void A_byte_bound_counts_id_uri_data_and_last_error()
    {
        var t = Mixed();
        var failed = t.State.Find("failed")!;
        Assert.Equal("failed".Length + Specs.DefaultUri.Length + 1 /* "x" */, TimerStateMachine.RetainedBytes(failed));
        Assert.Equal(3 * Specs.DefaultUri.Length + "cancelled".Length + "delivered".Length + "failed".Length + 1, t.State.FinishedBytes);

        // Exactly the bytes of "failed" may stay: the two older ones go.
        t.One(5_000, new PurgeFinished(Young, new FinishedBounds(MaxTimers: long.MaxValue, MaxBytes: TimerStateMachine.RetainedBytes(failed), MaxPerEntry: 100)));

        Assert.Equal(["failed", "firing", "pending"], Ids(t));
        Assert.Equal(TimerStateMachine.RetainedBytes(failed), t.State.FinishedBytes);
    }

    [Fact]
    public void One_entry_purges_at_most_its_slice_and_the_next_goes_on()
    {
        var t = Mixed();
        var bounds = new FinishedBounds(MaxTimers: 0, MaxBytes: long.MaxValue, MaxPerEntry: 2);

        Assert.Equal(2, t.One(5_000, new PurgeFinished(Young, bounds)).Purged);
        Assert.Equal(["failed", "firing", "pending"], Ids(t));
        Assert.Equal(1, t.One(5_001, new PurgeFinished(Young, bounds)).Purged);
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(5_002, new PurgeFinished(Young, bounds)).Outcome);
        Assert.Equal(["firing", "pending"], Ids(t));
    }

    [Fact]
    public void Timers_that_finished_at_one_stamp_are_purged_in_id_order_whatever_order_they_finished_in()
    {
        // Cancelled in the order c, a, b within one entry, so at one stamp: a bound of 1 keeps the largest id.
        var t = new Transcript();
        t.At(1_000, new CreateTimer("b", Specs.Http(60_000)), new CreateTimer("c", Specs.Http(60_000)), new CreateTimer("a", Specs.Http(60_000)));
        t.At(2_000, new CancelTimer("c"), new CancelTimer("a"), new CancelTimer("b"));

        t.One(3_000, new PurgeFinished(Young, new FinishedBounds(MaxTimers: 1, MaxBytes: long.MaxValue, MaxPerEntry: 100)));

        Assert.Equal(["c"], Ids(t));
    }

    [Fact]
    public void Pending_bytes_follow_creates_replaces_fires_and_cancels()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("p", Specs.Http(60_000, data: Specs.Text("12345"))), new CreateTimer("q", Specs.Http(10)));
        Assert.Equal(1 + Specs.DefaultUri.Length + 5 + 1 + Specs.DefaultUri.Length, t.State.PendingBytes);

        t.At(1_001, new UpdateTimer("p", Specs.Http(60_000, data: Specs.Text("1"))));
        Assert.Equal(1 + Specs.DefaultUri.Length + 1 + 1 + Specs.DefaultUri.Length, t.State.PendingBytes);

        t.At(2_000, new FireTimer("q", 1), new CancelTimer("p"));
        Assert.Equal(0, t.State.PendingBytes);
        Assert.Equal(0, t.State.PendingCount);
    }
}

using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Re-driving a failed timer in the state machine: it is firing again with fresh attempts and the same key, no longer
/// counted as finished; only failed timers take it; and a purge treats a live state (which still queues where the timer
/// first finished) exactly as a state restored from a snapshot (which does not).
/// </summary>
public sealed class RedriveTests
{
    private static Transcript FailedAt2000()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", Specs.Http(10)), new CreateTimer("b", Specs.Http(10)));
        t.At(1_010, new FireTimer("a", 1), new FireTimer("b", 1));
        t.At(2_000, new RecordDelivery("a", 1, 5, DeliveryOutcome.Failed, "HTTP 500"));
        t.At(2_500, new RecordDelivery("b", 1, 1, DeliveryOutcome.Delivered, null));
        return t;
    }

    [Fact]
    public void A_failed_timer_fires_again_with_fresh_attempts_and_the_same_key()
    {
        var t = FailedAt2000();
        var key = t.Timer("a").IdempotencyKey;

        Assert.Equal(CommandOutcome.Applied, t.One(3_000, new RedriveTimer("a")).Outcome);

        var a = t.Timer("a");
        Assert.Equal((TimerStatus.Firing, 0, key, "HTTP 500", 1), (a.Status, a.Attempts, a.IdempotencyKey, a.LastError, a.FireCount));
        Assert.Equal([new TimerFired("a", 1)], t.Events);
        Assert.Equal((1, 1), (t.State.FinishedCount, t.State.FiringCount));

        // A result of the first run, proposed again late, does not end the new one; the new run's does.
        Assert.Equal(CommandOutcome.Stale, t.One(3_050, new RecordDelivery("a", 1, 5, DeliveryOutcome.Failed, "HTTP 500")).Outcome);
        Assert.Equal(TimerStatus.Firing, t.Timer("a").Status);
        t.At(3_100, new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null) { Run = 1 });
        Assert.Equal((TimerStatus.Delivered, 2, 1), (t.Timer("a").Status, t.State.FinishedCount, t.Timer("a").Redrives));
    }

    [Fact]
    public void Only_a_failed_timer_takes_a_redrive()
    {
        var t = FailedAt2000();
        t.At(2_600, new CreateTimer("pending", Specs.Http(100_000)), new CreateTimer("cancelled", Specs.Http(100_000)));
        t.At(2_700, new CancelTimer("cancelled"));

        var results = t.At(2_800, new RedriveTimer("b"), new RedriveTimer("pending"), new RedriveTimer("cancelled"), new RedriveTimer("nobody"),
            new RedriveTimer("a"), new RedriveTimer("a"));

        Assert.Equal([CommandOutcome.NotFound, CommandOutcome.NotFound, CommandOutcome.NotFound, CommandOutcome.NotFound, CommandOutcome.Applied, CommandOutcome.NotFound],
            results.Select(r => r.Outcome));
    }

    [Theory]
    [InlineData(1_700L, null, null, 1)]
    [InlineData(1_000_000L, 0L, null, 1)]
    [InlineData(1_700L, 10L, 100L, 2)]
    [InlineData(1_700L, 10L, 1_000L, 1)]
    public void A_purge_after_a_redrive_does_the_same_on_a_live_state_and_on_one_restored_from_a_snapshot(long retentionMs, long? maxTimers, long? failedRetentionMs, int purged)
    {
        var live = FailedAt2000();
        live.At(3_000, new RedriveTimer("a"));
        live.At(4_000, new RecordDelivery("a", 1, 1, DeliveryOutcome.Failed, "HTTP 500 again") { Run = 1 });
        var restored = new TimerStateMachine();
        SnapshotCodec.Read(SnapshotCodec.Write(live.State), restored);
        Assert.Equal(live.State.FinishedCount, restored.FinishedCount);

        var purge = new PurgeFinished(retentionMs, maxTimers is { } max ? new FinishedBounds(max, long.MaxValue, maxTimers == 0 ? 1 : 100) : null)
        {
            FailedRetentionMs = failedRetentionMs,
        };
        var liveResult = live.One(4_300, purge);
        var restoredResults = new List<CommandResult>();
        restored.Apply(live.Index, LogEntryCodec.Encode(4_300, [purge]), restoredResults);

        Assert.Equal(restoredResults[0], liveResult);
        Assert.Equal(purged, liveResult.Purged);
        Assert.Equal(restored.All.Select(r => r.Id).Order(StringComparer.Ordinal), live.State.All.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(restored.FinishedCount, live.State.FinishedCount);
        Assert.Equal(SnapshotCodec.Write(restored), SnapshotCodec.Write(live.State));
    }

    [Fact]
    public void A_timer_that_fails_again_within_one_millisecond_of_each_redrive_is_counted_and_purged_as_after_a_restore()
    {
        var t = FailedAt2000();
        // Stamps do not go back: these are all stamped 2 500 (clamped), so the second and third failures finish where the
        // first re-drive's did, and their marks must be counted, not merely set.
        for (var run = 1; run <= 3; run++)
        {
            t.At(2_000, new RedriveTimer("a"));
            t.At(2_000, new RecordDelivery("a", 1, 1, DeliveryOutcome.Failed, "again") { Run = run });
        }

        var restored = new TimerStateMachine();
        SnapshotCodec.Read(SnapshotCodec.Write(t.State), restored);
        Assert.Equal((2, 2), (t.State.FinishedCount, restored.FinishedCount));

        var purge = new PurgeFinished(0, new FinishedBounds(0, long.MaxValue, 100));
        var liveResult = t.One(5_000, purge);
        var restoredResults = new List<CommandResult>();
        restored.Apply(t.Index, LogEntryCodec.Encode(5_000, [purge]), restoredResults);
        Assert.Equal((2, restoredResults[0].Purged), (liveResult.Purged, 2));
        Assert.Equal((0, 0), (t.State.FinishedCount, restored.FinishedCount));
    }

    [Fact]
    public void A_redriven_firing_snapshots_in_format_5_with_its_run_and_its_result_is_delivery_result_version_3()
    {
        var t = FailedAt2000();
        t.At(3_000, new RedriveTimer("a"));
        var bytes = SnapshotCodec.Write(t.State);
        Assert.Equal(5, bytes[4]);
        var restored = new TimerStateMachine();
        SnapshotCodec.Read(bytes, restored);
        Assert.Equal((TimerStatus.Firing, 1), (restored.Find("a")!.Status, restored.Find("a")!.Redrives));

        TimerCommand[] commands = [new RecordDelivery("r1", 1, 1, DeliveryOutcome.Failed, null) { Run = 1 }];
        // Derived by hand: kind 05 version 03, 9 bytes: "r1", version 1, attempt 1, failed (03), no error, occurrence 0, run 1.
        const string Hex = "017B68E5CF8B01000001" + "050309" + "027231" + "01" + "01" + "03" + "00" + "00" + "01";
        Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(1_700_000_000_123, commands)));
        CommandAssert.Equal(commands, LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands);
        Assert.Equal(LogLevels.PauseResume, LogLevels.Needed(commands[0]));
    }

    [Fact]
    public void A_redrive_is_command_9_and_needs_level_6()
    {
        TimerCommand[] commands = [new RedriveTimer("r1")];
        const string Hex = "017B68E5CF8B01000001" + "090103027231";

        Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(1_700_000_000_123, commands)));
        CommandAssert.Equal(commands, LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands);
        Assert.Equal(LogLevels.PauseResume, LogLevels.Needed(commands[0]));
    }
}

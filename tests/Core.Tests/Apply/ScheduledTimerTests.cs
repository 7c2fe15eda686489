using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// A repeating timer in the state machine: pending again after each firing ends (delivered or failed) for the next
/// occurrence, with its own idempotency key; a result proposed again for an earlier firing changes nothing; the count
/// ends it; a skipped misfire moves it without firing; it may be cancelled while it fires; every node computes the same.
/// </summary>
public sealed class ScheduledTimerTests
{
    private static TimerSpec Every(long ms, int? count = null, MisfirePolicy misfire = MisfirePolicy.FireOnce)
        => Specs.Http(0) with { Schedule = TimerSchedule.Every(ms) with { Count = count, Misfire = misfire } };

    private static RecordDelivery Result(string id, int occurrence, DeliveryOutcome outcome, int attempt = 1, string? error = null)
        => new(id, 1, attempt, outcome, error) { Occurrence = occurrence };

    [Fact]
    public void Each_firing_ends_into_the_next_occurrence_with_a_key_of_its_own_until_the_count()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("r", Every(10_000, count: 3)));
        Assert.Equal((TimerStatus.Pending, 11_000L, 1, "r:1:1"), (t.Timer("r").Status, t.Timer("r").DueAtUnixMs, t.Timer("r").Occurrence, t.Timer("r").IdempotencyKey));

        t.At(11_000, new FireTimer("r", 1));
        Assert.Equal(TimerStatus.Firing, t.Timer("r").Status);
        t.At(11_200, Result("r", 1, DeliveryOutcome.Delivered));
        Assert.Equal((TimerStatus.Pending, 21_000L, 2, "r:1:2", 0), (t.Timer("r").Status, t.Timer("r").DueAtUnixMs, t.Timer("r").Occurrence, t.Timer("r").IdempotencyKey, t.Timer("r").Attempts));
        Assert.Equal([new TimerScheduled("r", 1, 21_000)], t.Events);
        Assert.Equal(1, t.State.PendingCount);

        // The first firing's result proposed again (a commit that timed out) must not end the second firing.
        t.At(21_000, new FireTimer("r", 1));
        Assert.Equal(CommandOutcome.Stale, t.One(21_050, Result("r", 1, DeliveryOutcome.Delivered)).Outcome);
        Assert.Equal(TimerStatus.Firing, t.Timer("r").Status);

        // A failed firing does not stop a schedule.
        t.At(21_100, Result("r", 2, DeliveryOutcome.Failed, attempt: 5, error: "HTTP 500"));
        Assert.Equal((TimerStatus.Pending, 31_000L, 3, "HTTP 500"), (t.Timer("r").Status, t.Timer("r").DueAtUnixMs, t.Timer("r").Occurrence, t.Timer("r").LastError));

        t.At(31_000, new FireTimer("r", 1));
        t.At(31_100, Result("r", 3, DeliveryOutcome.Delivered));
        Assert.Equal(TimerStatus.Delivered, t.Timer("r").Status);
        Assert.Equal((0, 1), (t.State.PendingCount, t.State.FinishedCount));
    }

    [Fact]
    public void A_missed_occurrence_of_a_schedule_that_skips_moves_on_without_firing()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("s", Every(10_000, misfire: MisfirePolicy.Skip)));

        // Due at 11 000, but the cluster could first fire it at 200 000.
        var result = t.One(200_000, new FireTimer("s", 1));

        Assert.Equal((CommandOutcome.Applied, 201_000L, TimerStateMachine.SkippedReason), (result.Outcome, result.DueAtUnixMs, result.Reason));
        Assert.Equal((TimerStatus.Pending, 201_000L, 1), (t.Timer("s").Status, t.Timer("s").DueAtUnixMs, t.Timer("s").Occurrence));
        Assert.Equal([new TimerScheduled("s", 1, 201_000)], t.Events);
        Assert.Equal(0, t.Timer("s").FireCount);
    }

    [Fact]
    public void A_missed_occurrence_of_a_schedule_that_fires_once_fires_once_for_all_of_them_and_then_goes_on_from_now()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("o", Every(10_000)));
        var fired = t.One(200_000, new FireTimer("o", 1));

        // Due at 11 000 but first fired at 200 000: this one firing stands for every occurrence up to 191 000, and is that one.
        Assert.Equal((CommandOutcome.Applied, 191_000L), (fired.Outcome, fired.DueAtUnixMs));
        Assert.Equal((TimerStatus.Firing, 191_000L), (t.Timer("o").Status, t.Timer("o").DueAtUnixMs));

        t.At(200_100, Result("o", 1, DeliveryOutcome.Delivered));
        Assert.Equal((TimerStatus.Pending, 201_000L, 2), (t.Timer("o").Status, t.Timer("o").DueAtUnixMs, t.Timer("o").Occurrence));
    }

    [Fact]
    public void A_schedule_with_no_occurrence_left_tells_the_event_stream_it_ended()
    {
        var t = new Transcript();
        TimerCommand[] create = [new CreateTimer("e", Specs.Http(0) with { Schedule = TimerSchedule.Every(10_000) with { EndAtUnixMs = 5_000 } })];
        var results = t.At(1_000, create);
        var told = new List<LifecycleEvent>();
        LifecycleEvents.Derive(t.Index, 1_000, create, results, t.Events, told);

        Assert.Equal([LifecycleKind.Created, LifecycleKind.Cancelled], told.Select(e => e.Kind));
    }

    [Fact]
    public void A_repeating_timer_can_be_cancelled_while_it_fires_and_a_one_shot_one_cannot()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("r", Every(10_000)), new CreateTimer("once", Specs.Http(10_000)));
        t.At(11_000, new FireTimer("r", 1), new FireTimer("once", 1));

        var results = t.At(11_100, new CancelTimer("r"), new CancelTimer("once"));

        Assert.Equal([CommandOutcome.Applied, CommandOutcome.NotFound], results.Select(r => r.Outcome));
        Assert.Equal(TimerStatus.Cancelled, t.Timer("r").Status);
        Assert.Equal(CommandOutcome.Stale, t.One(11_200, Result("r", 1, DeliveryOutcome.Delivered)).Outcome);
        Assert.Equal(0, t.State.FiringCount - 1);
    }

    [Fact]
    public void A_schedule_with_no_occurrence_left_ends_at_once_the_same_everywhere()
    {
        var t = new Transcript();
        var ended = Specs.Http(0) with { Schedule = TimerSchedule.Every(10_000) with { EndAtUnixMs = 5_000 } };
        Assert.Equal(CommandOutcome.Applied, t.One(1_000, new CreateTimer("e", ended)).Outcome);
        Assert.Equal((TimerStatus.Cancelled, TimerStateMachine.NoOccurrence), (t.Timer("e").Status, t.Timer("e").LastError));
        Assert.Empty(t.Events);
        Assert.Equal(0, t.State.PendingCount);
    }

    [Fact]
    public void A_replace_starts_the_schedule_again_at_its_first_occurrence_under_the_new_version()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("r", Every(10_000)));
        t.At(11_000, new FireTimer("r", 1));
        t.At(11_100, Result("r", 1, DeliveryOutcome.Delivered));

        t.At(12_000, new UpdateTimer("r", Every(5_000)));

        Assert.Equal((2L, 17_000L, 1, "r:2:1"), (t.Timer("r").Version, t.Timer("r").DueAtUnixMs, t.Timer("r").Occurrence, t.Timer("r").IdempotencyKey));
    }

    [Fact]
    public void A_state_with_repeating_timers_snapshots_in_format_4_and_restores_their_occurrence()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("r", Every(10_000, count: 9, misfire: MisfirePolicy.FireAll)),
            new CreateTimer("c", Specs.Http(0) with { Schedule = TimerSchedule.TryCron("0 9 * * MON-FRI", "Europe/Berlin", out _) }));
        t.At(11_000, new FireTimer("r", 1));
        t.At(11_100, Result("r", 1, DeliveryOutcome.Delivered));

        var bytes = SnapshotCodec.Write(t.State);
        Assert.Equal(LogEntryCodec.SpecFormat4, bytes[4]);
        var restored = new TimerStateMachine();
        SnapshotCodec.Read(bytes, restored);

        Assert.Equal(2, restored.Find("r")!.Occurrence);
        Assert.Equal(t.Timer("r").Spec.Schedule, restored.Find("r")!.Spec.Schedule);
        Assert.Equal(t.Timer("c").Spec.Schedule, restored.Find("c")!.Spec.Schedule);
        Assert.Equal(bytes, SnapshotCodec.Write(restored));
    }

    [Fact]
    public void Scheduled_creates_updates_and_their_results_round_trip_through_the_log_and_need_level_5()
    {
        var cron = Specs.Http(0, data: Specs.Text("report")) with
        {
            Schedule = TimerSchedule.TryCron("0 9 * * MON-FRI", "Europe/Berlin", out _)! with { EndAtUnixMs = 1_900_000_000_000, Count = 12, Misfire = MisfirePolicy.Skip },
            Headers = TimerHeaders.TryCreate([new("X-Tenant", "acme")], false, out _),
        };
        TimerCommand[] commands =
        [
            new CreateTimer("c", cron),
            new UpdateTimer("c", Every(60_000), 3),
            new RecordDelivery("c", 3, 2, DeliveryOutcome.Retry, "HTTP 503") { Occurrence = 7 },
        ];

        var decoded = LogEntryCodec.Decode(LogEntryCodec.Encode(5_000, commands));

        CommandAssert.Equal(commands, decoded.Commands);
        Assert.All(commands, c => Assert.Equal(LogLevels.Schedules, LogLevels.Needed(c)));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new RecordDelivery("c", 3, 2, DeliveryOutcome.Retry, null)));
    }
}

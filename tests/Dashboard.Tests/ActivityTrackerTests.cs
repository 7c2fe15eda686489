using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;
using RaftTimers.Dashboard.Tests.Infrastructure;
using RaftTimers.Node.Dashboard;

namespace RaftTimers.Dashboard.Tests;

/// <summary>
/// The dashboard's counting, fed the way the store feeds it: entries applied to a real state machine, with the results
/// and events apply gave. No cluster, no clock.
/// </summary>
public sealed class ActivityTrackerTests
{
    private static readonly TimerSpec Spec = new(1_000, new CallbackSpec("http", "post", "http://127.0.0.1:9/"), TimerData.None);

    private sealed class Feed
    {
        public readonly ManualClock Clock = new();
        public readonly TimerStateMachine State = new();
        public readonly ActivityTracker Tracker;
        private long index;

        public Feed() => Tracker = new ActivityTracker(observingSinceUnixMs: 0, Clock);

        public void Apply(long stampUnixMs, params TimerCommand[] commands)
        {
            var results = new List<CommandResult>();
            var events = new List<TimerEvent>();
            State.Apply(++index, new TimerLogEntry(stampUnixMs, commands), results, events);
            Tracker.Applied(index, State.LastStampUnixMs, commands, results, events);
        }

        public TimerRecord? NextDue() => NextDue(State);

        public TimerRecord? NextDue(TimerStateMachine state)
        {
            Assert.True(Tracker.TryNextDue(state, out var next), "the next due timer is not known");
            return next;
        }
    }

    [Fact]
    public void Counts_what_applied_in_the_second_of_the_entrys_stamp()
    {
        var feed = new Feed();
        feed.Apply(10_100, new CreateTimer("a", Spec), new CreateTimer("b", Spec));
        feed.Apply(10_900, new CreateTimer("a", Spec), new CreateTimer("b", Spec with { TimeoutMs = 5 })); // a repeat and a conflict: no new timers
        feed.Apply(11_250, new FireTimer("a", 1), new FireTimer("b", 1), new CancelTimer("zzz"));
        feed.Apply(11_400, new FireTimer("a", 1)); // a second fire of the same version: a no-op

        var window = feed.Tracker.Window(nowUnixMs: 12_000, seconds: 3);

        Assert.Equal(10, window.FirstSecond);
        Assert.Equal([2L, 0, 0], window.Seconds.Select(s => s.Creates));
        Assert.Equal([0L, 2, 0], window.Seconds.Select(s => s.Fires));
        Assert.Equal([0L, 0, 0], window.Seconds.Select(s => s.Cancels));
        // Both were due at 11_100 and fired at 11_250.
        Assert.Equal(150, window.Seconds[1].LatenessMaxMs);
        Assert.Equal(150, window.Seconds[1].LatenessAvgMs);
    }

    [Fact]
    public void Deliveries_and_failed_attempts_are_counted_and_failures_kept_newest_first_with_their_errors()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec), new CreateTimer("b", Spec));
        feed.Apply(2_000, new FireTimer("a", 1), new FireTimer("b", 1));
        feed.Apply(2_100, new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, null));
        feed.Apply(2_200, new RecordDelivery("b", 1, 1, DeliveryOutcome.Retry, "HTTP 500 Internal Server Error"));
        feed.Apply(2_300, new RecordDelivery("b", 1, 1, DeliveryOutcome.Retry, "a stale repeat is not counted"));
        feed.Apply(3_300, new RecordDelivery("b", 1, 2, DeliveryOutcome.Failed, "request failed: Connection refused"));

        var window = feed.Tracker.Window(3_500, 2);

        Assert.Equal([1L, 0], window.Seconds.Select(s => s.Deliveries));
        Assert.Equal([1L, 1], window.Seconds.Select(s => s.FailedAttempts));
        Assert.Equal([0L, 1], window.Seconds.Select(s => s.FailedTimers));
        Assert.Equal(
            [("b", 2, true, "request failed: Connection refused"), ("b", 1, false, "HTTP 500 Internal Server Error")],
            window.RecentFailures.Select(f => (f.TimerId, f.Attempt, f.Final, f.Error)));
    }

    [Fact]
    public void Only_the_newest_failures_are_kept()
    {
        var feed = new Feed();
        var count = ActivityTracker.FailureCapacity + 7;
        for (var i = 0; i < count; i++)
        {
            feed.Apply(1_000 + (i * 10), new CreateTimer($"t{i}", Spec with { TimeoutMs = 1 }));
            feed.Apply(1_001 + (i * 10), new FireTimer($"t{i}", 1));
            feed.Apply(1_002 + (i * 10), new RecordDelivery($"t{i}", 1, 1, DeliveryOutcome.Failed, $"error {i}"));
        }

        var failures = feed.Tracker.Window(5_000, 10).RecentFailures;

        Assert.Equal(ActivityTracker.FailureCapacity, failures.Length);
        Assert.Equal($"t{count - 1}", failures[0].TimerId);
        Assert.Equal($"t{count - ActivityTracker.FailureCapacity}", failures[^1].TimerId);
    }

    [Fact]
    public void Seconds_that_left_the_window_read_zero_and_an_entry_older_than_its_slot_is_not_counted()
    {
        var feed = new Feed();
        feed.Apply(5_000, new CreateTimer("old", Spec));
        feed.Apply(5_000 + ActivityTracker.WindowSeconds * 1000L, new CreateTimer("new", Spec)); // the same slot, one window later

        var window = feed.Tracker.Window(5_000 + ActivityTracker.WindowSeconds * 1000L, ActivityTracker.WindowSeconds);

        Assert.Equal(1, window.Seconds.Sum(s => s.Creates));
        Assert.Equal(1, window.Seconds[^1].Creates);
    }

    [Fact]
    public void The_window_ends_at_the_later_of_now_and_the_last_stamp()
    {
        var feed = new Feed();
        feed.Apply(20_500, new CreateTimer("ahead", Spec)); // a leader clock ahead of this node's

        var window = feed.Tracker.Window(nowUnixMs: 18_000, seconds: 5);

        Assert.Equal(16, window.FirstSecond);
        Assert.Equal(1, window.Seconds[^1].Creates);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ActivityTracker.WindowSeconds + 1)]
    public void A_window_outside_the_kept_history_is_refused(int seconds)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ActivityTracker(0).Window(1_000, seconds));

    [Fact]
    public void The_next_due_timer_skips_cancelled_fired_and_replaced_ones()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec with { TimeoutMs = 100 }), new CreateTimer("b", Spec with { TimeoutMs = 200 }),
            new CreateTimer("c", Spec with { TimeoutMs = 300 }), new CreateTimer("d", Spec with { TimeoutMs = 400 }));

        Assert.Equal("a", feed.NextDue()?.Id);

        // Built now; from here on it follows the events.
        feed.Apply(1_150, new FireTimer("a", 1), new CancelTimer("b"));
        Assert.Equal("c", feed.NextDue()?.Id);

        feed.Apply(1_160, new UpdateTimer("c", Spec with { TimeoutMs = 10_000 }));
        Assert.Equal("d", feed.NextDue()?.Id);

        feed.Apply(1_170, new CreateTimer("e", Spec with { TimeoutMs = 1 }));
        Assert.Equal("e", feed.NextDue()?.Id);

        feed.Apply(1_500, new FireTimer("e", 1), new FireTimer("d", 1));
        var next = feed.NextDue();
        Assert.Equal(("c", 2L, 11_160L), (next?.Id, next?.Version, next?.DueAtUnixMs));

        feed.Apply(11_200, new FireTimer("c", 2));
        Assert.Null(feed.NextDue());
    }

    [Fact]
    public void After_a_snapshot_replaced_the_state_the_next_due_timer_is_found_again()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec with { TimeoutMs = 100 }));
        Assert.Equal("a", feed.NextDue()?.Id);

        // The state a snapshot brings holds timers the tracker never saw created.
        var restored = new TimerStateMachine();
        restored.Apply(50, new TimerLogEntry(2_000, [new CreateTimer("z", Spec with { TimeoutMs = 5 })]));
        feed.Tracker.StateReplaced();
        feed.Clock.Advance(NextDueIndex.MinFullPassInterval);

        Assert.Equal("z", feed.NextDue(restored)?.Id);
    }

    [Fact]
    public void The_whole_state_is_passed_over_at_most_once_per_interval_and_meanwhile_the_next_due_is_not_known()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec with { TimeoutMs = 100 }));
        Assert.Equal("a", feed.NextDue()?.Id);

        // Snapshot installs in quick succession: each drops the heap, but only one pass per interval rebuilds it.
        feed.Tracker.StateReplaced();
        feed.Clock.Advance(NextDueIndex.MinFullPassInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(feed.Tracker.TryNextDue(feed.State, out var unknown));
        Assert.Null(unknown);
        Assert.Equal(1, feed.Tracker.NextDueIndex.FullPasses);

        feed.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("a", feed.NextDue()?.Id);
        Assert.Equal(2, feed.Tracker.NextDueIndex.FullPasses);
    }

    [Fact]
    public void Stale_entries_past_the_bound_are_dropped_by_a_new_pass_at_most_once_per_interval()
    {
        const int Pending = 100;
        var feed = new Feed();
        feed.Apply(1_000, [.. Enumerable.Range(0, Pending).Select(i => new CreateTimer($"t{i}", Spec with { TimeoutMs = 60_000 + i }))]);
        Assert.Equal("t0", feed.NextDue()?.Id);

        // Updates that bring every timer earlier leave one stale entry each, below the live ones (so a question does
        // not drop them on its way to the top): enough to pass the bound.
        var rounds = (NextDueIndex.Slack / Pending) + 3;
        for (var round = 1; round <= rounds; round++)
            feed.Apply(1_000 + round, [.. Enumerable.Range(0, Pending).Select(i => new UpdateTimer($"t{i}", Spec with { TimeoutMs = 60_000 - (2 * round) + i }))]);
        Assert.True(feed.Tracker.NextDueIndex.Entries > (2 * Pending) + NextDueIndex.Slack);

        // Within the interval since the first pass: still the right answer, from the heap with its stale entries.
        var next = feed.NextDue();
        Assert.Equal(("t0", rounds + 1L, 1_000L + rounds + 60_000 - (2 * rounds)), (next?.Id, next?.Version, next?.DueAtUnixMs));
        Assert.Equal(1, feed.Tracker.NextDueIndex.FullPasses);
        Assert.True(feed.Tracker.NextDueIndex.Entries > (2 * Pending) + NextDueIndex.Slack);

        // Once the interval has passed, the next question rebuilds the heap from the state: only the live entries remain.
        feed.Clock.Advance(NextDueIndex.MinFullPassInterval);
        next = feed.NextDue();
        Assert.Equal(("t0", rounds + 1L), (next?.Id, next?.Version));
        Assert.Equal(2, feed.Tracker.NextDueIndex.FullPasses);
        Assert.Equal(Pending, feed.Tracker.NextDueIndex.Entries);
    }

    [Fact]
    public void A_stale_entry_of_a_purged_timer_does_not_pass_for_a_new_one_with_the_same_id_and_version()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec with { TimeoutMs = 1_000 }), new CreateTimer("b", Spec with { TimeoutMs = 3_000 }));
        Assert.Equal("a", feed.NextDue()?.Id);

        // a is cancelled, purged and created again: version 1 again, due after b. Its old entry (version 1, due 2_000)
        // is still on top of the heap.
        feed.Apply(1_100, new CancelTimer("a"));
        feed.Apply(1_200, new PurgeFinished(RetentionMs: 0));
        feed.Apply(1_300, new CreateTimer("a", Spec with { TimeoutMs = 10_000 }));
        Assert.Equal((TimerStatus.Pending, 1L), (feed.State.Find("a")?.Status, feed.State.Find("a")?.Version));

        var next = feed.NextDue();

        Assert.Equal(("b", 4_000L), (next?.Id, next?.DueAtUnixMs));
    }

    [Fact]
    public void The_heap_is_dropped_after_a_minute_of_stamps_without_a_question()
    {
        var feed = new Feed();
        feed.Apply(1_000, new CreateTimer("a", Spec with { TimeoutMs = 500_000 }));
        Assert.Equal("a", feed.NextDue()?.Id);

        feed.Apply(1_000 + NextDueIndex.IdleMs, new CreateTimer("b", Spec with { TimeoutMs = 500_000 }));
        Assert.Equal(2, feed.Tracker.NextDueIndex.Entries);
        feed.Apply(1_001 + NextDueIndex.IdleMs, new CreateTimer("c", Spec with { TimeoutMs = 500_000 }));
        Assert.Equal(0, feed.Tracker.NextDueIndex.Entries);
    }
}

using RaftTimers.Core.Apply;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// The leader's decisions without I/O: a state machine driven through the log codec, a <see cref="LeaderStep"/> ticked
/// at chosen times, and a <see cref="DeliveryQueue"/>. Each test checks exactly what is proposed and delivered.
/// </summary>
public sealed class LeaderStepTests
{
    private const long T0 = 1_000_000;

    [Fact]
    public void A_timer_fires_at_the_first_tick_at_or_after_its_due_time_and_not_before()
    {
        var leader = new Leader();
        leader.Log(T0, new CreateTimer("a", Specs.Http(500)));
        leader.Begin(T0);

        Assert.Empty(leader.Tick(T0 + 499).Fires);
        Assert.Equal([new FireTimer("a", 1)], leader.Tick(T0 + 500).Fires);
        Assert.Empty(leader.Tick(T0 + 501).Fires); // proposed once, awaiting its result
        Assert.Equal(1, leader.Step.FiresInFlight);
    }

    [Fact]
    public void A_timer_created_during_the_term_is_followed_from_its_applied_event()
    {
        var leader = new Leader();
        leader.Begin(T0);
        leader.Tick(T0);
        leader.Log(T0 + 10, new CreateTimer("b", Specs.Http(100)));

        Assert.Empty(leader.Tick(T0 + 109).Fires);
        Assert.Equal([new FireTimer("b", 1)], leader.Tick(T0 + 110).Fires);
    }

    [Fact]
    public void Nothing_fires_until_the_clock_has_passed_the_last_stamp_in_the_log()
    {
        var leader = new Leader();
        leader.Log(T0 + 5_000, new CreateTimer("a", Specs.Http(1)));
        leader.Begin(T0);

        Assert.Equal(5_001, leader.Step.HoldMs(T0));
        Assert.Equal(2, leader.Step.HoldMs(T0 + 4_999));
        Assert.Equal(0, leader.Step.HoldMs(T0 + 5_000));
    }

    [Fact]
    public void A_stamp_years_ahead_is_waited_for_a_day_at_a_time()
    {
        var leader = new Leader();
        leader.Log(T0 + (3L * 365 * 86_400_000), new CreateTimer("a", Specs.Http(1)));
        leader.Begin(T0);

        Assert.Equal(LeaderStep.MaxHoldMs, leader.Step.HoldMs(T0));
    }

    [Fact]
    public void Fires_wait_while_the_clock_is_not_confirmed_and_go_once_it_is()
    {
        var leader = new Leader();
        leader.Log(T0, new CreateTimer("a", Specs.Http(10)));
        leader.Begin(T0);

        var held = leader.Tick(T0 + 20, mayFire: false);
        Assert.Equal(FireHold.Holding, held.Hold);
        Assert.Empty(held.Fires);
        Assert.Equal(FireHold.Unchanged, leader.Tick(T0 + 30, mayFire: false).Hold);

        var resumed = leader.Tick(T0 + 40);
        Assert.Equal(FireHold.Firing, resumed.Hold);
        Assert.Equal([new FireTimer("a", 1)], resumed.Fires);
    }

    [Theory]
    [InlineData(CommandOutcome.Indeterminate)]
    [InlineData(CommandOutcome.Rejected)]
    [InlineData(CommandOutcome.NotLeader)]
    public void A_fire_with_an_unknown_or_refused_outcome_is_proposed_again_after_the_retry_delay_not_sooner(CommandOutcome outcome)
    {
        var options = new LeaderOptions { FireRetryMs = 250 };
        var leader = new Leader(options);
        leader.Log(T0, new CreateTimer("a", Specs.Http(100)));
        leader.Begin(T0);
        var fire = Assert.Single(leader.Tick(T0 + 100).Fires);

        leader.Step.FireCompleted(fire, outcome, () => T0 + 105, termEnded: false);
        Assert.Equal(0, leader.Step.FiresInFlight);

        Assert.Empty(leader.Tick(T0 + 105 + 249).Fires);
        Assert.Equal([new FireTimer("a", 1)], leader.Tick(T0 + 105 + 250).Fires);
    }

    [Fact]
    public void An_applied_fire_is_not_proposed_again_and_its_delivery_starts_from_the_applied_event()
    {
        var leader = new Leader();
        leader.Log(T0, new CreateTimer("a", Specs.Http(100)));
        leader.Begin(T0);
        var fire = Assert.Single(leader.Tick(T0 + 100).Fires);

        leader.Log(T0 + 101, fire);
        leader.Step.FireCompleted(fire, CommandOutcome.Applied, () => T0 + 101, termEnded: false);
        Assert.Empty(leader.Tick(T0 + 102).Fires);
        Assert.Empty(leader.Tick(T0 + 10_000).Fires);

        Assert.Equal([("a", 1L)], leader.Deliveries());
    }

    [Fact]
    public void A_retry_for_a_version_the_state_moved_past_is_dropped_and_the_new_version_fires_at_its_own_time()
    {
        var leader = new Leader(new LeaderOptions { FireRetryMs = 250 });
        leader.Log(T0, new CreateTimer("a", Specs.Http(100)));
        leader.Begin(T0);
        var fire = Assert.Single(leader.Tick(T0 + 100).Fires);

        // Meanwhile the client replaced the timer: version 2, due a second later.
        leader.Log(T0 + 110, new UpdateTimer("a", Specs.Http(1_000)));
        leader.Step.FireCompleted(fire, CommandOutcome.Indeterminate, () => T0 + 120, termEnded: false);

        Assert.Empty(leader.Tick(T0 + 400).Fires); // the retry of version 1 is stale
        Assert.Empty(leader.Tick(T0 + 1_109).Fires);
        Assert.Equal([new FireTimer("a", 2)], leader.Tick(T0 + 1_110).Fires);
    }

    [Fact]
    public void A_due_timer_cancelled_before_its_fire_is_proposed_is_not_fired()
    {
        var leader = new Leader();
        leader.Log(T0, new CreateTimer("a", Specs.Http(100)), new CreateTimer("b", Specs.Http(100)));
        leader.Begin(T0);
        leader.Tick(T0 + 50);
        leader.Log(T0 + 60, new CancelTimer("a"));

        Assert.Equal([new FireTimer("b", 1)], leader.Tick(T0 + 100).Fires);
    }

    [Fact]
    public void Once_leadership_is_lost_no_fire_is_retried_and_waiting_deliveries_are_dropped()
    {
        var leader = new Leader(new LeaderOptions { FireRetryMs = 250 }, deliveryCapacity: 1);
        leader.Log(T0, new CreateTimer("a", Specs.Http(100)), new CreateTimer("b", Specs.Http(100)), new CreateTimer("c", Specs.Http(100)));
        leader.Begin(T0);
        var fires = leader.Tick(T0 + 100).Fires.OrderBy(f => f.TimerId, StringComparer.Ordinal).ToList();
        Assert.Equal(3, fires.Count);

        leader.Log(T0 + 101, fires[0], fires[1]);
        leader.Tick(T0 + 101); // a's delivery queued; b's turned away, the queue being full
        Assert.True(leader.Queue.TryTake(out var first));
        Assert.Equal(("a", 1L), first);
        leader.Tick(T0 + 102); // b offered from the state now that a is under way
        Assert.Equal(1, leader.Queue.WaitingCount);

        leader.Step.FireCompleted(fires[0], CommandOutcome.Applied, () => T0 + 102, termEnded: false);
        leader.Step.FireCompleted(fires[1], CommandOutcome.Applied, () => T0 + 102, termEnded: false);
        leader.Step.FireCompleted(fires[2], CommandOutcome.NotLeader, () => T0 + 102, termEnded: true);
        Assert.Empty(leader.Tick(T0 + 10_000).Fires); // c stays pending in the log for the next leader

        leader.Queue.DropWaiting();
        Assert.Equal(0, leader.Queue.WaitingCount);
        Assert.False(leader.Queue.IsKnown("b", 1));
        Assert.True(leader.Queue.IsKnown("a", 1)); // under way until it notices the term ended
    }

    [Fact]
    public void Firing_timers_beyond_the_delivery_queue_are_offered_from_the_state_oldest_first_as_room_frees_up()
    {
        var leader = new Leader(deliveryCapacity: 2);
        var ids = new[] { "a", "b", "c", "d", "e" };
        leader.Log(T0, ids.Select(id => (TimerCommand)new CreateTimer(id, Specs.Http(100))).ToArray());
        foreach (var id in ids)
            leader.Log(T0 + 100, new FireTimer(id, 1)); // fired by an earlier leader, one entry each
        leader.Begin(T0 + 200);

        leader.Tick(T0 + 200); // the term's first tick asks for every firing timer
        Assert.Equal([("a", 1L), ("b", 1L)], leader.Deliveries());
        Assert.True(leader.Queue.NeedsRefill);

        leader.Finish("a", "b");
        leader.Tick(T0 + 202);
        Assert.Equal([("c", 1L), ("d", 1L)], leader.Deliveries());

        leader.Finish("c", "d");
        leader.Tick(T0 + 204);
        Assert.Equal([("e", 1L)], leader.Deliveries());
        Assert.False(leader.Queue.NeedsRefill); // nothing more firing
    }

    [Fact]
    public void A_fire_arriving_while_older_firing_timers_wait_for_an_offer_queues_behind_them()
    {
        var leader = new Leader(deliveryCapacity: 1);
        leader.Log(T0, new CreateTimer("old", Specs.Http(10)), new CreateTimer("new", Specs.Http(10)));
        leader.Log(T0 + 10, new FireTimer("old", 1));
        leader.Begin(T0 + 20);
        leader.Queue.Start("busy", 1); // the queue is full when the term's first offer comes
        leader.Tick(T0 + 20);
        Assert.True(leader.Queue.NeedsRefill);

        leader.Log(T0 + 21, new FireTimer("new", 1));
        leader.Tick(T0 + 22);
        Assert.False(leader.Queue.IsKnown("new", 1)); // turned away: it waits for the offer, which takes the oldest first

        Assert.True(leader.Queue.TryTake(out var busy));
        leader.Queue.Done(busy.TimerId, busy.Version);
        leader.Tick(T0 + 24);
        Assert.Equal([("old", 1L)], leader.Deliveries());
    }

    [Fact]
    public void Purges_go_every_interval_by_retention_until_every_member_reads_bounds()
    {
        var options = new LeaderOptions { PurgeIntervalMs = 1_000, RetentionMs = 5_000 };
        var leader = new Leader(options);
        leader.Begin(T0);

        Assert.Null(leader.Tick(T0).Purge);
        Assert.Null(leader.Tick(T0 + 999).Purge);
        Assert.Equal(new PurgeFinished(5_000), leader.Tick(T0 + 1_000).Purge);
        Assert.Null(leader.Tick(T0 + 1_500).Purge); // one in flight at a time
        leader.Step.PurgeEnded(CommandOutcome.Applied, 3);
        Assert.Null(leader.Tick(T0 + 1_999).Purge);
        Assert.NotNull(leader.Tick(T0 + 2_000).Purge);
    }

    [Fact]
    public void With_the_members_at_the_bounds_level_a_full_purge_is_followed_by_another_at_once()
    {
        var options = new LeaderOptions { PurgeIntervalMs = 1_000, RetentionMs = 5_000, PurgeSliceTimers = 10, MaxFinishedTimers = 100, MaxFinishedBytes = 1_000_000 };
        var leader = new Leader(options, asksLogLevel: true);
        leader.Begin(T0);
        leader.Tick(T0);

        var asking = leader.Tick(T0 + 1_000);
        Assert.True(asking.AskLogLevel);
        Assert.Null(asking.Purge);
        Assert.False(leader.Tick(T0 + 1_002).AskLogLevel); // asked once, awaiting the answer
        leader.Step.LogLevelKnown(LogLevels.PurgeBounds);

        var bounds = new FinishedBounds(100, 1_000_000, 10);
        Assert.Equal(new PurgeFinished(5_000, bounds), leader.Tick(T0 + 1_004).Purge);
        leader.Step.PurgeEnded(CommandOutcome.Applied, 10); // a full slice
        Assert.Equal(new PurgeFinished(5_000, bounds), leader.Tick(T0 + 1_006).Purge);
        leader.Step.PurgeEnded(CommandOutcome.Applied, 4);
        Assert.Null(leader.Tick(T0 + 1_008).Purge);

        // Over the bounds by more than a hundredth: at once, without waiting for the interval.
        Assert.Null(leader.Tick(T0 + 1_010, finishedCount: 101).Purge);
        Assert.NotNull(leader.Tick(T0 + 1_012, finishedCount: 102).Purge);
    }

    [Fact]
    public void A_purge_over_the_bounds_that_removed_nothing_waits_for_the_interval_instead_of_asking_at_every_tick()
    {
        var options = new LeaderOptions { PurgeIntervalMs = 1_000, RetentionMs = 5_000, PurgeSliceTimers = 10, MaxFinishedTimers = 100, MaxFinishedBytes = 1_000_000 };
        var leader = new Leader(options, asksLogLevel: true);
        leader.Begin(T0);
        leader.Tick(T0);
        Assert.True(leader.Tick(T0 + 1_000).AskLogLevel);
        leader.Step.LogLevelKnown(LogLevels.DeadLetters);
        Assert.NotNull(leader.Tick(T0 + 1_002).Purge);

        // Over the bounds, but the oldest failed timer still owes its notice: the purge removed nothing.
        leader.Step.PurgeEnded(CommandOutcome.AlreadyApplied, 0);
        for (var t = T0 + 1_004; t < T0 + 2_002; t += 2)
            Assert.Null(leader.Tick(t, finishedCount: 500).Purge);
        Assert.NotNull(leader.Tick(T0 + 2_002, finishedCount: 500).Purge);

        // Once one removes timers again, the bounds ask for the next at once.
        leader.Step.PurgeEnded(CommandOutcome.Applied, 3);
        Assert.NotNull(leader.Tick(T0 + 2_004, finishedCount: 497).Purge);
    }

    [Fact]
    public void With_every_member_at_the_pause_level_failed_timers_get_their_own_retention()
    {
        var options = new LeaderOptions { PurgeIntervalMs = 1_000, RetentionMs = 5_000, FailedRetentionMs = 50_000, PurgeSliceTimers = 10, MaxFinishedTimers = 100, MaxFinishedBytes = 1_000_000 };
        var leader = new Leader(options, asksLogLevel: true);
        leader.Begin(T0);
        leader.Tick(T0);
        Assert.True(leader.Tick(T0 + 1_000).AskLogLevel);
        leader.Step.LogLevelKnown(LogLevels.PauseResume);

        Assert.Equal(new PurgeFinished(5_000, new FinishedBounds(100, 1_000_000, 10)) { FailedRetentionMs = 50_000 }, leader.Tick(T0 + 1_002).Purge);
    }

    [Fact]
    public void A_failed_level_query_puts_the_purge_off_to_the_next_interval_and_is_asked_again_there()
    {
        var options = new LeaderOptions { PurgeIntervalMs = 1_000 };
        var leader = new Leader(options, asksLogLevel: true);
        leader.Begin(T0);
        leader.Tick(T0);
        Assert.True(leader.Tick(T0 + 1_000).AskLogLevel);
        leader.Step.LogLevelUnknown(T0 + 1_100);

        Assert.Null(leader.Tick(T0 + 2_099).Purge);
        Assert.True(leader.Tick(T0 + 2_100).AskLogLevel);
        leader.Step.LogLevelKnown(LogLevels.Base); // a member still reads only the base level: retention alone
        Assert.Equal(new PurgeFinished(options.RetentionMs), leader.Tick(T0 + 2_102).Purge);
        leader.Step.PurgeEnded(CommandOutcome.Applied, 0);
        Assert.False(leader.Tick(T0 + 3_101).AskLogLevel);
        Assert.True(leader.Tick(T0 + 3_102).AskLogLevel); // at most once an interval
    }

    [Fact]
    public void After_lost_events_the_wheel_is_rebuilt_from_the_state()
    {
        var leader = new Leader();
        leader.Begin(T0);
        leader.Tick(T0);
        leader.Log(T0 + 1, new CreateTimer("a", Specs.Http(100)));
        leader.ForgetEvents(); // the runner's queue overflowed: these events never reach the step

        leader.Step.Rebuild(leader.State.WithStatus(TimerStatus.Pending), T0 + 2, leader.Queue);
        Assert.True(leader.Queue.NeedsRefill);
        Assert.Equal([new FireTimer("a", 1)], leader.Tick(T0 + 101).Fires);
    }

    [Fact]
    public void A_million_timers_due_at_once_are_proposed_each_once_within_the_fire_window_and_a_bounded_backlog()
    {
        const int Timers = 1_000_000;
        var options = new LeaderOptions { MaxFiresInFlight = 1_024 };
        var spec = Specs.Http(1);
        var pending = new List<TimerRecord>(Timers);
        for (var i = 0; i < Timers; i++)
            pending.Add(new TimerRecord($"t{i}", 1, TimerStatus.Pending, T0, T0 + 1_000 + (i % 400), spec, 0, null, 0));
        var state = new FiredSet();
        var step = new LeaderStep(options, pending, T0, T0, asksLogLevel: false);
        var deliveries = new DeliveryQueue(4_096);
        var output = new LeaderStepOutput();
        var now = T0 + 1_400; // all due
        var ticks = 0;

        while (state.Count < Timers)
        {
            ticks++;
            var inFlight = step.FiresInFlight;
            step.Tick(new LeaderTick(now, true, []), state, deliveries, output);
            Assert.True(output.Fires.Count <= options.MaxFiresInFlight - inFlight, $"{output.Fires.Count} fires with {inFlight} in flight");
            Assert.True(step.BacklogCount <= 2 * options.MaxFiresInFlight, $"backlog {step.BacklogCount}");
            // Half the window completes each tick, so the window is never empty and never overfull.
            foreach (var fire in output.Fires)
                state.Proposed(fire);
            foreach (var fire in state.CompleteSome(options.MaxFiresInFlight / 2))
                step.FireCompleted(fire, CommandOutcome.Applied, () => now, termEnded: false);
            now += 2;
            Assert.True(ticks < 10 * Timers / options.MaxFiresInFlight, "the burst does not drain");
        }

        Assert.Equal(Timers, state.Count); // each proposed exactly once: FiredSet refuses a second proposal
        Assert.Equal(0, step.WheelCount);
        step.Tick(new LeaderTick(now, true, []), state, deliveries, output);
        Assert.Empty(output.Fires);
    }

    /// <summary>A state that holds every timer pending until its fire is proposed; refuses a second proposal of one.</summary>
    private sealed class FiredSet : ILeaderStateView
    {
        private readonly HashSet<string> proposed = [];
        private readonly Queue<FireTimer> inFlight = new();

        public int Count => proposed.Count;

        public void Proposed(FireTimer fire)
        {
            Assert.True(proposed.Add(fire.TimerId), $"{fire.TimerId} proposed twice");
            inFlight.Enqueue(fire);
        }

        public IEnumerable<FireTimer> CompleteSome(int max)
        {
            for (var i = 0; i < max && inFlight.TryDequeue(out var fire); i++)
                yield return fire;
        }

        public bool IsPendingAt(string timerId, long version) => !proposed.Contains(timerId);

        public void KeepPending(List<WheelEntry> candidates) => candidates.RemoveAll(e => proposed.Contains(e.TimerId));

        public List<TimerRecord> SomeFiring(Func<string, long, bool> skip, int max, out bool more)
        {
            more = false;
            return [];
        }
    }

    /// <summary>A term's leader without I/O: the log applied through <see cref="Transcript"/>, its events handed to the step at the next tick.</summary>
    private sealed class Leader(LeaderOptions? options = null, int deliveryCapacity = 64, bool asksLogLevel = false)
    {
        private readonly Transcript log = new();
        private readonly List<TimerEvent> events = [];
        private readonly LeaderStepOutput output = new();
        private readonly LeaderOptions options = options ?? new LeaderOptions();
        private LeaderStep? step;

        public DeliveryQueue Queue { get; } = new(deliveryCapacity);

        public LeaderStep Step => step ?? throw new InvalidOperationException("Begin first");

        public TimerStateMachine State => log.State;

        public void Log(long stampUnixMs, params TimerCommand[] commands)
        {
            log.At(stampUnixMs, commands);
            events.AddRange(log.Events);
        }

        public void ForgetEvents() => events.Clear();

        /// <summary>Starts a term from the state, as a newly elected leader does: earlier events are the state's already.</summary>
        public void Begin(long nowUnixMs)
        {
            events.Clear();
            step = new LeaderStep(options, State.WithStatus(TimerStatus.Pending), nowUnixMs, State.LastStampUnixMs, asksLogLevel);
        }

        public LeaderStepOutput Tick(long nowUnixMs, bool mayFire = true, long finishedCount = 0)
        {
            Step.Tick(new LeaderTick(nowUnixMs, mayFire, [.. events], finishedCount), new StateMachineView(State), Queue, output);
            events.Clear();
            return output;
        }

        /// <summary>The deliveries the queue lets start now, in order; each stays under way until <see cref="Finish"/>.</summary>
        public List<(string, long)> Deliveries()
        {
            var started = new List<(string, long)>();
            while (Queue.TryTake(out var next))
                started.Add(next);
            return started;
        }

        /// <summary>The deliveries of <paramref name="ids"/> ended and their results were applied.</summary>
        public void Finish(params string[] ids)
        {
            foreach (var id in ids)
            {
                Queue.Done(id, 1);
                Log(State.LastStampUnixMs + 1, new RecordDelivery(id, 1, 1, DeliveryOutcome.Delivered, null));
            }
        }
    }
}

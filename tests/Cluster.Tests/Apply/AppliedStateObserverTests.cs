using RaftTimers.Cluster.Apply;
using RaftTimers.Cluster.Diagnostics;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>The store's apply hook: what an <see cref="IApplyObserver"/> hears, and that it cannot change or stop apply.</summary>
public sealed class AppliedStateObserverTests
{
    private sealed class Recorder : IApplyObserver
    {
        public readonly List<(long Index, long Stamp, TimerCommand[] Commands, CommandResult[] Results, TimerEvent[] Events)> Seen = [];
        public int Replaced;
        public bool Throw;

        public void Applied(long index, long stampUnixMs, IReadOnlyList<TimerCommand> commands, IReadOnlyList<CommandResult> results,
            IReadOnlyList<TimerEvent> events)
        {
            if (Throw)
                throw new InvalidOperationException("observer bug");
            Seen.Add((index, stampUnixMs, [.. commands], [.. results], [.. events]));
        }

        public void StateReplaced() => Replaced++;
    }

    private static byte[] Entry(long stamp, params TimerCommand[] commands) => LogEntryCodec.Encode(stamp, commands);

    [Fact]
    public void The_observer_hears_each_command_with_its_result_and_the_clamped_stamp()
    {
        var store = new AppliedState();
        var recorder = new Recorder();
        store.Observe(recorder);

        store.Apply(1, Entry(1_000, new CreateTimer("a", Specs.Http(500)), new CreateTimer("a", Specs.Http(700))), null);
        // A stamp below the previous one is clamped by apply; the observer gets the stamp apply used.
        store.Apply(2, Entry(900, new FireTimer("a", 1)), null);
        store.Apply(3, Entry(1_600, new FireTimer("a", 1)), null);

        Assert.Equal(3, recorder.Seen.Count);
        Assert.Equal((1L, 1_000L), (recorder.Seen[0].Index, recorder.Seen[0].Stamp));
        Assert.Equal([CommandOutcome.Applied, CommandOutcome.Conflict], recorder.Seen[0].Results.Select(r => r.Outcome));
        Assert.Equal(1_000, recorder.Seen[1].Stamp);
        Assert.Equal(CommandOutcome.Stale, recorder.Seen[1].Results.Single().Outcome);
        Assert.Equal(new CommandResult(CommandOutcome.Applied, 1, 1_500), recorder.Seen[2].Results.Single());
        Assert.Equal([new TimerFired("a", 1)], recorder.Seen[2].Events);
    }

    [Fact]
    public void A_proposers_results_are_still_filled_while_an_observer_listens()
    {
        var store = new AppliedState();
        store.Observe(new Recorder());
        var results = new List<CommandResult>();

        store.Apply(1, Entry(1_000, new CreateTimer("a", Specs.Http(500)), new CancelTimer("b")), results);

        Assert.Equal([CommandOutcome.Applied, CommandOutcome.NotFound], results.Select(r => r.Outcome));
    }

    [Fact]
    public void An_observer_that_throws_is_dropped_and_apply_goes_on()
    {
        var store = new AppliedState();
        var recorder = new Recorder { Throw = true };
        store.Observe(recorder);

        store.Apply(1, Entry(1_000, new CreateTimer("a", Specs.Http(500))), null);
        recorder.Throw = false;
        store.Apply(2, Entry(1_100, new CreateTimer("b", Specs.Http(500))), null);

        Assert.IsType<InvalidOperationException>(store.ObserverFault);
        Assert.Empty(recorder.Seen);
        Assert.Equal(2, store.Read(s => s.PendingCount));
    }

    [Fact]
    public void The_fault_is_reported_once_when_the_observer_is_dropped()
    {
        var store = new AppliedState();
        var recorder = new Recorder { Throw = true };
        var reported = new List<Exception>();
        store.Observe(recorder, reported.Add);

        store.Apply(1, Entry(1_000, new CreateTimer("a", Specs.Http(500))), null);
        store.Apply(2, Entry(1_100, new CreateTimer("b", Specs.Http(500))), null);
        store.Replace(new TimerStateMachine());

        var fault = Assert.Single(reported);
        Assert.Same(store.ObserverFault, fault);
        Assert.Equal("observer bug", fault.Message);
    }

    [Fact]
    public void A_fault_report_that_throws_does_not_stop_apply()
    {
        var store = new AppliedState();
        store.Observe(new Recorder { Throw = true }, _ => throw new InvalidOperationException("the report failed too"));

        store.Apply(1, Entry(1_000, new CreateTimer("a", Specs.Http(500))), null);
        store.Apply(2, Entry(1_100, new CreateTimer("b", Specs.Http(500))), null);

        Assert.Equal(2, store.Read(s => s.PendingCount));
        Assert.Equal("observer bug", store.ObserverFault?.Message);
    }

    [Fact]
    public void A_replaced_state_is_announced()
    {
        var store = new AppliedState();
        var recorder = new Recorder();
        store.Observe(recorder);

        store.Replace(new TimerStateMachine());

        Assert.Equal(1, recorder.Replaced);
    }
}

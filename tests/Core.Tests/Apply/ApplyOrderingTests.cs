using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>Applied indexes strictly increase and applied time never goes back (docs/design.md invariant 2).</summary>
public sealed class ApplyOrderingTests
{
    [Fact]
    public void An_entry_with_an_older_stamp_applies_with_the_previous_stamp()
    {
        var t = new Transcript();
        t.One(10_000, new CreateTimer("a", Specs.Http(100)));

        // A new leader whose clock is behind the deposed leader's stamps.
        var result = t.One(9_000, new CreateTimer("b", Specs.Http(100)));

        Assert.Equal(10_100, result.DueAtUnixMs);
        Assert.Equal(10_000, t.Timer("b").CreatedAtUnixMs);
        Assert.Equal(10_000, t.State.LastStampUnixMs);
    }

    [Fact]
    public void Fires_are_checked_against_the_clamped_stamp()
    {
        var t = new Transcript();
        t.One(10_000, new CreateTimer("a", Specs.Http(1)));
        t.One(10_001, new CancelTimer("unrelated"));

        // Stamped 5 000 but applied at 10 001, when "a" (due 10 001) is due.
        Assert.Equal(CommandOutcome.Applied, t.One(5_000, new FireTimer("a", 1)).Outcome);
    }

    [Fact]
    public void Finish_stamps_are_clamped_too()
    {
        var t = new Transcript();
        t.One(10_000, new CreateTimer("a", Specs.Http(100)));
        t.One(500, new CancelTimer("a"));

        Assert.Equal(10_000, t.Timer("a").FinishedAtUnixMs);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(4)]
    [InlineData(0)]
    public void Applying_an_index_not_above_the_last_one_is_an_invariant_violation(long index)
    {
        var state = new TimerStateMachine();
        state.Apply(5, new TimerLogEntry(1_000, [new CreateTimer("a", Specs.Http(10))]));
        var before = SnapshotCodec.Write(state);

        Assert.Throws<InvariantViolationException>(() => state.Apply(index, new TimerLogEntry(2_000, [new CancelTimer("a")])));
        Assert.Throws<InvariantViolationException>(() => state.Skip(index));

        Assert.Equal(before, SnapshotCodec.Write(state));
    }

    [Fact]
    public void Skip_advances_the_index_and_nothing_else()
    {
        var state = new TimerStateMachine();
        state.Apply(1, new TimerLogEntry(1_000, [new CreateTimer("a", Specs.Http(10))]));

        state.Skip(2);
        state.Skip(7);

        Assert.Equal(7, state.LastAppliedIndex);
        Assert.Equal(1_000, state.LastStampUnixMs);
        Assert.Equal(1, state.Count);
        Assert.Throws<InvariantViolationException>(() => state.Apply(7, new TimerLogEntry(1_000, [])));
        state.Apply(8, new TimerLogEntry(2_000, []));
        Assert.Equal((8L, 2_000L), (state.LastAppliedIndex, state.LastStampUnixMs));
    }

    [Fact]
    public void Results_come_one_per_command_in_order()
    {
        var t = new Transcript();

        var results = t.At(1_000,
            new CancelTimer("a"), new CreateTimer("a", Specs.Http(10)), new CreateTimer("a", Specs.Http(10)),
            new FireTimer("a", 1), new CancelTimer("a"), new PurgeFinished(0));

        Assert.Equal(
            [CommandOutcome.NotFound, CommandOutcome.Applied, CommandOutcome.AlreadyApplied, CommandOutcome.Stale, CommandOutcome.Applied, CommandOutcome.Applied],
            results.Select(r => r.Outcome));
        Assert.Equal([new TimerScheduled("a", 1, 1_010), new TimerUnscheduled("a"), new TimerPurged("a", 1)], t.Events);
        Assert.Equal(0, t.State.Count);
    }
}

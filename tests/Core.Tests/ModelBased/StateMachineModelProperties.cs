using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>
/// docs/design.md invariant 1, checked against a reference model and across snapshot/restore.
/// A failure prints the generated log as a transcript and FsCheck's Replay seed;
/// put the seed in [Property(Replay = "...")] to rerun exactly that case.
/// </summary>
public sealed class StateMachineModelProperties
{
    private static Arbitrary<Scenario> Scenarios => ScenarioGenerator.Scenarios.ToArbitrary();

    [Property(MaxTest = 400)]
    public Property The_state_machine_agrees_with_the_model_on_every_result_event_and_timer()
        => Prop.ForAll(Scenarios, scenario =>
        {
            var state = new TimerStateMachine();
            var model = new TimerModel();
            foreach (var entry in scenario.Entries)
            {
                var where = $"entry #{entry.Index}";
                var results = new List<CommandResult>();
                var events = new List<TimerEvent>();
                entry.ApplyTo(state, results, events);

                var expectedEvents = new List<TimerEvent>();
                if (entry.IsSkip)
                {
                    model.Skip(entry.Index);
                }
                else
                {
                    model.BeginEntry(entry.Index, entry.StampUnixMs);
                    Assert.Equal(entry.Commands.Length, results.Count);
                    for (var i = 0; i < entry.Commands.Length; i++)
                        ModelAssert.SameResult(model.Apply(entry.Commands[i], expectedEvents), results[i], entry.Commands[i], $"{where} command {i}:");
                }

                Assert.True(expectedEvents.SequenceEqual(events),
                    $"{where}: model events [{string.Join(", ", expectedEvents)}], state machine events [{string.Join(", ", events)}]");
                ModelAssert.SameState(model, state, $"after {where}");
            }
        });

    [Property(MaxTest = 300)]
    public Property A_snapshot_at_any_point_restores_to_a_state_that_goes_on_identically()
    {
        var input = Gen.Zip(ScenarioGenerator.Scenarios, Gen.Choose(0, 1_000), (scenario, cut) => (Scenario: scenario, Cut: cut % (scenario.Entries.Count + 1)));
        return Prop.ForAll(input.ToArbitrary(), c =>
        {
            var live = new TimerStateMachine();
            foreach (var entry in c.Scenario.Entries.Take(c.Cut))
                entry.ApplyTo(live);

            var restored = new TimerStateMachine();
            SnapshotCodec.Read(SnapshotCodec.Write(live), restored);
            RecordAssert.SameState(live, restored);

            foreach (var entry in c.Scenario.Entries.Skip(c.Cut))
            {
                var liveResults = new List<CommandResult>();
                var restoredResults = new List<CommandResult>();
                var liveEvents = new List<TimerEvent>();
                var restoredEvents = new List<TimerEvent>();
                entry.ApplyTo(live, liveResults, liveEvents);
                entry.ApplyTo(restored, restoredResults, restoredEvents);
                Assert.Equal(liveResults, restoredResults);
                Assert.Equal(liveEvents, restoredEvents);
            }

            RecordAssert.SameState(live, restored);
            Assert.Equal(SnapshotCodec.Write(live), SnapshotCodec.Write(restored));
        });
    }

    [Property(MaxTest = 200)]
    public Property Two_state_machines_fed_the_same_log_hold_byte_identical_snapshots_after_every_entry()
        => Prop.ForAll(Scenarios, scenario =>
        {
            // One is fed decoded entries, the other the encoded bytes, as a leader and a follower would be.
            var fromObjects = new TimerStateMachine();
            var fromBytes = new TimerStateMachine();
            foreach (var entry in scenario.Entries)
            {
                if (entry.IsSkip)
                    fromObjects.Skip(entry.Index);
                else
                    fromObjects.Apply(entry.Index, new TimerLogEntry(entry.StampUnixMs, entry.Commands));
                entry.ApplyTo(fromBytes);

                Assert.True(SnapshotCodec.Write(fromObjects).AsSpan().SequenceEqual(SnapshotCodec.Write(fromBytes)),
                    $"snapshots differ after entry #{entry.Index}");
            }
        });
}

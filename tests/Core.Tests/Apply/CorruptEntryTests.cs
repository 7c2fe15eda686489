using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>Decoding is all-or-nothing: a corrupt entry changes nothing, not even the applied index.</summary>
public sealed class CorruptEntryTests
{
    private static Transcript Populated()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", Specs.Http(100)), new CreateTimer("b", Specs.Http(5_000)));
        t.At(2_000, new FireTimer("a", 1), new CancelTimer("c"));
        return t;
    }

    [Fact]
    public void Every_truncation_of_an_entry_throws_and_leaves_the_state_unchanged()
    {
        var t = Populated();
        var before = SnapshotCodec.Write(t.State);
        // The first command would apply (a create); the corruption sits after it.
        var entry = LogEntryCodec.Encode(9_000, [new CreateTimer("new", Specs.Http(10)), new CancelTimer("b"), new RecordDelivery("a", 1, 1, DeliveryOutcome.Delivered, "x")]);

        for (var length = 0; length < entry.Length; length++)
        {
            var results = new List<CommandResult>();
            Assert.Throws<CodecException>(() => t.State.Apply(t.Index + 1, entry.AsSpan(0, length), results));
            Assert.Empty(results);
            Assert.True(before.AsSpan().SequenceEqual(SnapshotCodec.Write(t.State)), $"state changed after a {length}-byte prefix");
        }

        Assert.Equal(2, t.State.LastAppliedIndex);
        Assert.Equal(2_000, t.State.LastStampUnixMs);
        Assert.Equal(2, t.State.Count);
        Assert.Equal(1, t.State.PendingCount);
        Assert.Null(t.State.Find("new"));
    }

    [Fact]
    public void An_entry_with_an_unknown_command_after_a_valid_one_applies_nothing()
    {
        var t = Populated();
        var before = SnapshotCodec.Write(t.State);
        var bytes = RawEntry.Entry(9_000,
            RawEntry.Command(RawEntry.Cancel, RawEntry.Str("b")),
            RawEntry.Command(42, RawEntry.Str("b")));

        Assert.Throws<CodecException>(() => t.State.Apply(3, bytes));

        Assert.Equal(before, SnapshotCodec.Write(t.State));
        Assert.Equal(RaftTimers.Core.Model.TimerStatus.Pending, t.Timer("b").Status);
    }

    [Fact]
    public void The_index_of_a_rejected_entry_is_still_free()
    {
        var t = Populated();
        Assert.Throws<CodecException>(() => t.State.Apply(3, [1, 2, 3]));

        t.State.Apply(3, LogEntryCodec.Encode(3_000, [new CancelTimer("b")]));

        Assert.Equal(3, t.State.LastAppliedIndex);
        Assert.Equal(RaftTimers.Core.Model.TimerStatus.Cancelled, t.Timer("b").Status);
    }
}

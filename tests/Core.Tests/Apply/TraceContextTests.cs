using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// The trace context a traced create or replace keeps in the log (create version 6, update version 7, snapshot format
/// 7): the version that a write made carries its writer's context, it decides nothing (a retry with another context is
/// the same create), and a snapshot keeps it, in the newer format only when some timer has one.
/// </summary>
public sealed class TraceContextTests
{
    private static readonly TraceContext First = new(UInt128.Parse("0af7651916cd43dd8448eb211c80319c", System.Globalization.NumberStyles.HexNumber), 0xb7ad6b7169203331, 1);
    private static readonly TraceContext Second = new(UInt128.Parse("4bf92f3577b34da6a3ce929d0e0e4736", System.Globalization.NumberStyles.HexNumber), 0x00f067aa0ba902b7, 0);

    [Fact]
    public void A_context_is_written_as_a_traceparent_header_spells_it()
    {
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", First.ToTraceParent());
        Assert.Throws<ArgumentException>(() => new TraceContext(UInt128.Zero, 1, 1));
        Assert.Throws<ArgumentException>(() => new TraceContext(UInt128.One, 0, 1));
    }

    [Fact]
    public void Each_version_carries_the_context_of_the_write_that_made_it_and_a_retry_changes_nothing()
    {
        var t = new Transcript();
        Assert.Equal(CommandOutcome.Applied, t.One(1_000, new CreateTimer("a", Specs.Http(10_000)) { Trace = First }).Outcome);
        Assert.Equal(First, t.Timer("a").Trace);

        // The same create again, traced by another request: an idempotent retry, and the first context stays.
        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(1_100, new CreateTimer("a", Specs.Http(10_000)) { Trace = Second }).Outcome);
        Assert.Equal(First, t.Timer("a").Trace);

        t.At(1_200, new UpdateTimer("a", Specs.Http(20_000)) { Trace = Second });
        Assert.Equal((2L, Second), (t.Timer("a").Version, t.Timer("a").Trace));
        t.At(1_300, new UpdateTimer("a", Specs.Http(30_000)));
        Assert.Equal((3L, (TraceContext?)null), (t.Timer("a").Version, t.Timer("a").Trace));

        // An untraced create of another id carries none.
        t.At(1_400, new CreateTimer("b", Specs.Http(10_000)));
        Assert.Null(t.Timer("b").Trace);
    }

    [Fact]
    public void A_traced_write_needs_every_member_at_level_8_and_an_untraced_one_does_not()
    {
        Assert.Equal(LogLevels.TraceContexts, LogLevels.Needed(new CreateTimer("a", Specs.Http(10)) { Trace = First }));
        Assert.Equal(LogLevels.TraceContexts, LogLevels.Needed(new UpdateTimer("a", Specs.Http(10)) { Trace = First }));
        Assert.Equal(LogLevels.Base, LogLevels.Needed(new CreateTimer("a", Specs.Http(10))));
        Assert.Equal(8, LogLevels.Current);
    }

    [Fact]
    public void A_snapshot_keeps_the_contexts_and_a_restored_node_delivers_under_the_same_parent()
    {
        var live = new Transcript();
        live.At(1_000, new CreateTimer("a", Specs.Http(10)) { Trace = First }, new CreateTimer("b", Specs.Http(10)));
        live.At(1_010, new FireTimer("a", 1));
        var bytes = SnapshotCodec.Write(live.State);
        Assert.Equal(7, SnapshotCodec.ReadHeader(bytes).Format);

        var restored = new TimerStateMachine();
        SnapshotCodec.Read(bytes, restored);
        Assert.Equal(live.Timer("a"), restored.Find("a"));
        Assert.Equal(First, restored.Find("a")!.Trace);
        Assert.Null(restored.Find("b")!.Trace);
        Assert.Equal(bytes, SnapshotCodec.Write(restored));
    }

    [Fact]
    public void A_state_without_contexts_keeps_the_older_snapshot_format()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", Specs.Http(10)));
        Assert.True(SnapshotCodec.ReadHeader(SnapshotCodec.Write(t.State)).Format < 7);
    }

    [Fact]
    public void A_snapshot_whose_trace_flag_is_neither_0_nor_1_is_refused()
    {
        var t = new Transcript();
        t.At(1_000, new CreateTimer("a", Specs.Http(10)) { Trace = First });
        var bytes = SnapshotCodec.Write(t.State);
        // The record's last 26 bytes are its flag and context.
        bytes[^26] = 2;
        var e = Assert.Throws<CodecException>(() => SnapshotCodec.Read(bytes, new TimerStateMachine()));
        Assert.Contains("trace flag 2", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>Pins create version 6 and update version 7 (a trace context after the version-5 and version-6 payloads).</summary>
public sealed class TraceContextGoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("t1", new TimerSpec(5_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None))
        {
            Trace = new TraceContext(UInt128.Parse("0af7651916cd43dd8448eb211c80319c", System.Globalization.NumberStyles.HexNumber), 0xb7ad6b7169203331, 1),
        },
        new UpdateTimer("t1", new TimerSpec(5_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None), 3)
        {
            Trace = new TraceContext(UInt128.Parse("4bf92f3577b34da6a3ce929d0e0e4736", System.Globalization.NumberStyles.HexNumber), 0x00f067aa0ba902b7, 0),
        },
    ];

    // Derived by hand before the code ran: create (01) version 06, 54 bytes: id "t1", spec5 of a plain timer (due kind
    // 01, 5000 as 88 27, "http", "post", the uri, no data, no fields), then the trace id, span id and flags as a
    // traceparent spells them. Update (02) version 07, 55 bytes: the same id and spec5, expected version 3, the other context.
    private const string Spec5 = "01" + "8827" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000" + "00";

    private const string Hex =
        "017B68E5CF8B01000002"
        + "010636" + "027431" + Spec5 + "0AF7651916CD43DD8448EB211C80319C" + "B7AD6B7169203331" + "01"
        + "020737" + "027431" + Spec5 + "03" + "4BF92F3577B34DA6A3CE929D0E0E4736" + "00F067AA0BA902B7" + "00";

    [Fact]
    public void A_traced_create_and_replace_are_written_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void They_decode_to_the_same_commands_with_their_contexts()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands;
        CommandAssert.Equal(Commands, decoded);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", ((CreateTimer)decoded[0]).Trace!.ToTraceParent());
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", ((UpdateTimer)decoded[1]).Trace!.ToTraceParent());
    }

    [Fact]
    public void A_context_with_a_zero_trace_id_is_refused()
    {
        var zero = Hex.Replace("0AF7651916CD43DD8448EB211C80319C", new string('0', 32), StringComparison.Ordinal);
        var e = Assert.Throws<CodecException>(() => LogEntryCodec.Decode(Convert.FromHexString(zero)));
        Assert.Contains("zero trace or span id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_untraced_create_keeps_its_older_version()
    {
        var plain = LogEntryCodec.Encode(Stamp, [new CreateTimer("t1", new TimerSpec(5_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None))]);
        // After the entry's format, stamp and count (10 bytes): kind 01, version 01, as before trace contexts existed.
        Assert.Equal((1, 1), (plain[10], plain[11]));
    }
}

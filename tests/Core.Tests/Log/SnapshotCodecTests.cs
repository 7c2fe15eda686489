using RaftTimers.Core.Apply;
using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class SnapshotCodecTests
{
    private const int HeaderLength = 4 + 1 + 8 + 8; // magic, format, last applied index, last stamp

    /// <summary>A state holding a timer in every status, with updates, attempts and errors recorded.</summary>
    private static Transcript EveryStatus()
    {
        var t = new Transcript();
        t.At(1_000,
            new CreateTimer("pending", Specs.Http(50_000, data: Specs.Text("p 😀"))),
            new CreateTimer("updated", Specs.Http(50_000)),
            new CreateTimer("firing", Specs.Http(100, data: Specs.Json("{\"k\":1}"))),
            new CreateTimer("delivered", Specs.Http(100)),
            new CreateTimer("failed", Specs.Http(100)),
            new CreateTimer("cancelled", Specs.Http(100)));
        t.At(2_000,
            new UpdateTimer("updated", Specs.Http(60_000, "https://example.com/v2")),
            new FireTimer("firing", 1),
            new FireTimer("delivered", 1),
            new FireTimer("failed", 1),
            new CancelTimer("cancelled"));
        t.At(3_000,
            new RecordDelivery("firing", 1, 1, DeliveryOutcome.Retry, "HTTP 503 ошибка"),
            new RecordDelivery("firing", 1, 2, DeliveryOutcome.Retry, null),
            new RecordDelivery("delivered", 1, 1, DeliveryOutcome.Delivered, null),
            new RecordDelivery("failed", 1, 1, DeliveryOutcome.Failed, "connection refused"));

        // Every status of format 1; paused timers need format 5 (PauseResumeTests).
        foreach (var status in Enum.GetValues<TimerStatus>().Where(s => s != TimerStatus.Paused))
            Assert.Contains(t.State.All, r => r.Status == status);
        return t;
    }

    /// <summary>Reads with every reader: from one span, and streamed through buffers of several sizes and short reads.</summary>
    private static TimerStateMachine Restore(byte[] snapshot)
    {
        var state = new TimerStateMachine();
        SnapshotCodec.Read(snapshot, state);
        var expected = SnapshotCodec.Write(state);
        foreach (var read in StreamedReaders)
        {
            var streamed = new TimerStateMachine();
            read(snapshot, streamed);
            RecordAssert.SameState(state, streamed);
            Assert.Equal(expected, SnapshotCodec.Write(streamed));
        }

        return state;
    }

    /// <summary>
    /// Streamed reads: a buffer smaller than a record (it grows), one that splits records at many offsets, the default;
    /// and a stream that hands out a few bytes per read, as a socket or a pipe may.
    /// </summary>
    private static readonly Action<byte[], TimerStateMachine>[] StreamedReaders =
    [
        (bytes, state) => SnapshotCodec.Read(new MemoryStream(bytes), state, bufferBytes: 1, CancellationToken.None),
        (bytes, state) => SnapshotCodec.Read(new MemoryStream(bytes), state, bufferBytes: 61, CancellationToken.None),
        (bytes, state) => SnapshotCodec.Read(new MemoryStream(bytes), state),
        (bytes, state) => SnapshotCodec.Read(new DribblingStream(bytes, 3), state, bufferBytes: 100, CancellationToken.None),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(97)]
    [InlineData(4096)]
    public void A_streamed_read_restores_the_same_state_whatever_its_buffer_size(int bufferBytes)
    {
        var t = EveryStatus();
        t.At(4_000, [.. Enumerable.Range(0, 300).Select(i => new CreateTimer($"bulk-{i:D3}", Specs.Http(90_000 + i, data: Specs.Text(new string('d', i * 7)))))]);
        var bytes = SnapshotCodec.Write(t.State);

        var streamed = new TimerStateMachine();
        SnapshotCodec.Read(new DribblingStream(bytes, 1 + (bufferBytes % 13)), streamed, bufferBytes, CancellationToken.None);

        RecordAssert.SameState(t.State, streamed);
        Assert.Equal(bytes, SnapshotCodec.Write(streamed));
    }

    [Fact]
    public void A_streamed_read_stops_when_cancelled()
    {
        var bytes = SnapshotCodec.Write(EveryStatus().State);
        var target = new TimerStateMachine();
        Assert.Throws<OperationCanceledException>(() => SnapshotCodec.Read(new MemoryStream(bytes), target, bufferBytes: 16, new CancellationToken(canceled: true)));
        Assert.Equal(0, target.Count);
    }

    /// <summary>A stream that returns at most a few bytes per read.</summary>
    private sealed class DribblingStream(byte[] bytes, int perRead) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, perRead));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, perRead)]);
    }

    [Fact]
    public void A_state_with_timers_in_every_status_round_trips()
    {
        var original = EveryStatus().State;
        var bytes = SnapshotCodec.Write(original);

        var restored = Restore(bytes);

        RecordAssert.SameState(original, restored);
        Assert.Equal(2, restored.PendingCount);
        Assert.Equal(bytes, SnapshotCodec.Write(restored));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1 << 20)]
    public void Pieces_of_any_size_join_into_exactly_the_whole_snapshot(int chunkBytes)
    {
        var t = EveryStatus();
        t.At(4_000, [.. Enumerable.Range(0, 300).Select(i => new CreateTimer($"bulk-{(i * 7919) % 300:D3}", Specs.Http(90_000 + i)))]);
        var whole = SnapshotCodec.Write(t.State);

        var pieces = SnapshotCodec.WriteInChunks(t.State.Capture(), chunkBytes).Select(p => p.ToArray()).ToList();

        Assert.Equal(whole, pieces.SelectMany(p => p).ToArray());
        Assert.All(pieces.SkipLast(1), p => Assert.True(p.Length >= chunkBytes));
        RecordAssert.SameState(t.State, Restore([.. pieces.SelectMany(p => p)]));
    }

    [Fact]
    public void Snapshot_format_1_is_pinned_byte_for_byte()
    {
        // A snapshot written today must restore after an upgrade, and an upgraded node must write format 1 as before
        // (nodes of both versions exchange snapshots during a rolling upgrade). A change needs a new format version.
        var expected = EveryStatus().State;
        var pinned = Convert.FromHexString(SnapshotFormat1Hex);
        RecordAssert.SameState(expected, Restore(pinned));
        Assert.Equal(SnapshotFormat1Hex, Convert.ToHexString(SnapshotCodec.Write(expected)));
    }

    // Written by this codec at snapshot format 1 from EveryStatus(): a timer in every status, updated, retried, failed.
    private const string SnapshotFormat1Hex =
        ""
        + "5254534E010300000000000000B80B000000000000060963616E63656C6C65640105E8030000000000004C0400000000"
        + "000064046874747004706F73741E687474703A2F2F3132372E302E302E313A393030302F63616C6C6261636B00000000"
        + "D00700000000000000000964656C6976657265640103E8030000000000004C0400000000000064046874747004706F73"
        + "741E687474703A2F2F3132372E302E302E313A393030302F63616C6C6261636B00000100B80B00000000000002010666"
        + "61696C65640104E8030000000000004C0400000000000064046874747004706F73741E687474703A2F2F3132372E302E"
        + "302E313A393030302F63616C6C6261636B0000010112636F6E6E656374696F6E2072656675736564B80B000000000000"
        + "020106666972696E670102E8030000000000004C0400000000000064046874747004706F73741E687474703A2F2F3132"
        + "372E302E302E313A393030302F63616C6C6261636B02077B226B223A317D020115485454502035303320D0BED188D0B8"
        + "D0B1D0BAD0B0000000000000000002010770656E64696E670101E80300000000000038C7000000000000D08603046874"
        + "747004706F73741E687474703A2F2F3132372E302E302E313A393030302F63616C6C6261636B01067020F09F98800000"
        + "0000000000000000000007757064617465640201E80300000000000030F2000000000000E0D403046874747004706F73"
        + "741668747470733A2F2F6578616D706C652E636F6D2F76320000000000000000000000000000";

    [Fact]
    public void An_empty_state_round_trips()
    {
        var restored = Restore(SnapshotCodec.Write(new TimerStateMachine()));
        Assert.Equal(0, restored.Count);
        Assert.Equal(0, restored.LastAppliedIndex);
    }

    [Fact]
    public void A_restored_state_goes_on_exactly_like_the_original()
    {
        var t = EveryStatus();
        var restored = Restore(SnapshotCodec.Write(t.State));
        var next = new TimerLogEntry(1_000_000, [new FireTimer("pending", 1), new RecordDelivery("firing", 1, 3, DeliveryOutcome.Delivered, null), new PurgeFinished(10_000)]);

        var expected = new List<CommandResult>();
        var actual = new List<CommandResult>();
        t.State.Apply(t.Index + 1, next, expected);
        restored.Apply(t.Index + 1, next, actual);

        Assert.Equal(expected, actual);
        RecordAssert.SameState(t.State, restored);
        Assert.Equal(SnapshotCodec.Write(t.State), SnapshotCodec.Write(restored));
    }

    [Fact]
    public void Reading_replaces_the_previous_content()
    {
        var target = EveryStatus().State;
        var small = new Transcript();
        small.At(5, new CreateTimer("only", Specs.Http(10)));

        SnapshotCodec.Read(SnapshotCodec.Write(small.State), target);

        RecordAssert.SameState(small.State, target);
        Assert.Null(target.Find("pending"));
    }

    [Fact]
    public void Every_truncation_throws_CodecException_and_leaves_the_target_untouched()
    {
        var bytes = SnapshotCodec.Write(EveryStatus().State);
        for (var length = 0; length < bytes.Length; length++)
            AssertRejectedAndUntouched(bytes[..length], $"prefix of {length}/{bytes.Length} bytes");
    }

    [Fact]
    public void Trailing_garbage_is_rejected()
        => AssertRejectedAndUntouched([.. SnapshotCodec.Write(EveryStatus().State), 0], "trailing byte");

    [Fact]
    public void Bad_magic_is_rejected()
    {
        var bytes = SnapshotCodec.Write(EveryStatus().State);
        bytes[0] = (byte)'X';
        AssertRejectedAndUntouched(bytes, "bad magic");
    }

    [Fact]
    public void An_unknown_format_is_rejected()
    {
        var bytes = SnapshotCodec.Write(EveryStatus().State);
        bytes[4] = 4;
        AssertRejectedAndUntouched(bytes, "format 4");
        bytes[4] = 0;
        AssertRejectedAndUntouched(bytes, "format 0");
    }

    [Fact]
    public void A_state_with_a_due_time_given_is_written_as_format_2_and_round_trips()
    {
        var t = EveryStatus();
        t.At(4_000,
            new CreateTimer("due-at", TimerSpec.At(1_767_225_600_000, Specs.Http(1).Callback, Specs.Text("new year"))),
            new CreateTimer("due-at-past", TimerSpec.At(3_500, Specs.Http(1).Callback, TimerData.None)));
        var bytes = SnapshotCodec.Write(t.State);
        Assert.Equal(2, bytes[4]);

        var restored = Restore(bytes);

        RecordAssert.SameState(t.State, restored);
        Assert.Equal(1_767_225_600_000, restored.Find("due-at")!.Spec.DueAtUnixMs);
        Assert.Equal(1_767_225_600_000, restored.Find("due-at")!.DueAtUnixMs);
        Assert.Null(restored.Find("pending")!.Spec.DueAtUnixMs);
        Assert.Equal(bytes, SnapshotCodec.Write(restored));

        // Once no timer holds a due time given (purged), the state is written as format 1 again, which older members read.
        t.At(5_000, new CancelTimer("due-at"), new CancelTimer("due-at-past"));
        t.At(10_000, new PurgeFinished(0));
        Assert.Equal(1, SnapshotCodec.Write(t.State)[4]);
    }

    [Fact]
    public void A_state_with_callback_headers_is_written_as_format_3_and_round_trips()
    {
        var t = EveryStatus();
        var headers = TimerHeaders.TryCreate([new("X-Tenant", "acme"), new("X-Trace", "t-1")], allowCredentials: false, out _)!;
        t.At(4_000,
            new CreateTimer("with-headers", Specs.Http(60_000) with { Headers = headers }),
            new CreateTimer("due-at", TimerSpec.At(1_767_225_600_000, Specs.Http(1).Callback, Specs.Text("new year"))));
        var bytes = SnapshotCodec.Write(t.State);
        Assert.Equal(3, bytes[4]);

        var restored = Restore(bytes);

        RecordAssert.SameState(t.State, restored);
        Assert.Equal(headers, restored.Find("with-headers")!.Spec.Headers);
        Assert.Null(restored.Find("due-at")!.Spec.Headers);
        Assert.Equal(bytes, SnapshotCodec.Write(restored));

        // Without headers the oldest format that holds the rest is written again: 2 for the due time, then 1.
        t.At(5_000, new CancelTimer("with-headers"));
        t.At(10_000, new PurgeFinished(0));
        Assert.Equal(2, SnapshotCodec.Write(t.State)[4]);
    }

    [Fact]
    public void Format_2_cannot_hold_headers_so_reading_them_as_such_is_rejected()
    {
        var t = new Transcript();
        var headers = TimerHeaders.TryCreate([new("X-Tenant", "acme")], allowCredentials: false, out _)!;
        t.At(1_000, new CreateTimer("h", Specs.Http(60_000) with { Headers = headers }));
        var bytes = SnapshotCodec.Write(t.State);
        bytes[4] = 2;
        AssertRejectedAndUntouched(bytes, "format 2 holding spec3");
    }

    [Fact]
    public void Format_1_cannot_hold_a_due_time_given_so_reading_it_as_such_is_rejected()
    {
        // The same state written as format 2, with its format byte set to 1: the specs are not version 1's, so the
        // reader must fail rather than read the due tag as a timeout.
        var t = new Transcript();
        t.At(1_000, new CreateTimer("due-at", TimerSpec.At(1_767_225_600_000, Specs.Http(1).Callback, TimerData.None)));
        var bytes = SnapshotCodec.Write(t.State);
        bytes[4] = 1;
        AssertRejectedAndUntouched(bytes, "format 1 holding spec2");
    }

    [Fact]
    public void An_unknown_status_is_rejected()
    {
        var bytes = OneTimerSnapshot();
        var statusAt = HeaderLength + 1 + 2 + 1; // count, id "a" (length + byte), version
        Assert.Equal((byte)TimerStatus.Pending, bytes[statusAt]);
        bytes[statusAt] = 9;
        AssertRejectedAndUntouched(bytes, "status 9");
    }

    [Fact]
    public void A_count_larger_than_the_timers_present_is_rejected()
    {
        var bytes = OneTimerSnapshot();
        Assert.Equal(1, bytes[HeaderLength]);
        bytes[HeaderLength] = 5;
        AssertRejectedAndUntouched(bytes, "count 5 of 1");
    }

    [Fact]
    public void A_timer_held_twice_is_rejected_as_corrupt()
    {
        var bytes = OneTimerSnapshot();
        var record = bytes[(HeaderLength + 1)..];
        AssertRejectedAndUntouched([.. bytes[..HeaderLength], 2, .. record, .. record], "duplicate id");
    }

    [Fact]
    public void Garbage_after_a_valid_header_is_rejected()
    {
        var bytes = SnapshotCodec.Write(new TimerStateMachine());
        AssertRejectedAndUntouched([.. bytes[..HeaderLength], 3, 0xFF, 0xFF, 0xFF, 0x01, 0x02], "garbage");
    }

    private static byte[] OneTimerSnapshot()
    {
        var t = new Transcript();
        t.At(1, new CreateTimer("a", Specs.Http(10)));
        return SnapshotCodec.Write(t.State);
    }

    private static void AssertRejectedAndUntouched(byte[] bytes, string what)
    {
        Action<byte[], TimerStateMachine>[] readers = [(b, state) => SnapshotCodec.Read(b, state), .. StreamedReaders];
        foreach (var (read, n) in readers.Select((r, n) => (r, n)))
        {
            var target = EveryStatus().State;
            var before = SnapshotCodec.Write(target);
            Exception? thrown = null;
            try
            {
                read(bytes, target);
            }
            catch (Exception e)
            {
                thrown = e;
            }

            Assert.True(thrown is CodecException, $"{what}, reader {n}: expected CodecException, got {thrown?.GetType().Name ?? "success"}: {thrown?.Message}");
            Assert.True(before.AsSpan().SequenceEqual(SnapshotCodec.Write(target)), $"{what}, reader {n}: the target state changed");
            Assert.Equal(6, target.Count);
            Assert.Equal(2, target.PendingCount);
            Assert.NotNull(target.Find("firing"));
        }
    }
}

using RaftTimers.Core.Log;

namespace RaftTimers.Tests;

/// <summary>Every malformed entry is refused with <see cref="CodecException"/>, never half-decoded.</summary>
public sealed class LogEntryCodecRejectsMalformedTests
{
    private static readonly byte[] ValidEntry = LogEntryCodec.Encode(1_700_000_000_000,
    [
        new CreateTimer("a", Specs.Http(1000, data: Specs.Text("héllo 😀"))),
        new UpdateTimer("a", Specs.Http(2000, data: Specs.Json("{}"))),
        new CancelTimer("b"),
        new FireTimer("a", 2),
        new RecordDelivery("a", 2, 3, DeliveryOutcome.Failed, "boom"),
        new RecordDelivery("a", 2, 1, DeliveryOutcome.Retry, null),
        new PurgeFinished(1000),
    ]);

    private static void AssertRejected(byte[] bytes, string? reason = null)
    {
        var error = Assert.Throws<CodecException>(() => LogEntryCodec.Decode(bytes));
        if (reason is not null)
            Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_hand_built_entries_used_below_are_valid_when_not_broken()
    {
        // Guards the tests below: each one breaks exactly one field of an entry that otherwise decodes.
        var entry = LogEntryCodec.Decode(RawEntry.Entry(5,
            RawEntry.Command(RawEntry.Create, RawEntry.Cat(RawEntry.Str("ok"), RawEntry.Spec())),
            RawEntry.Command(RawEntry.DeliveryResult, RawEntry.Cat(RawEntry.Str("ok"), RawEntry.VarUInt(1), RawEntry.VarUInt(1), [2], [1], RawEntry.Str("e"))),
            RawEntry.Command(RawEntry.Fire, RawEntry.Cat(RawEntry.Str("ok"), RawEntry.VarUInt(3)))));

        Assert.Equal(5, entry.StampUnixMs);
        CommandAssert.Equal(
            [new CreateTimer("ok", Specs.Http(1000, "http://h/cb", Specs.Text("hi"))), new RecordDelivery("ok", 1, 1, DeliveryOutcome.Retry, "e"), new FireTimer("ok", 3)],
            entry.Commands);
    }

    [Fact]
    public void Empty_input() => AssertRejected([]);

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void Unknown_format_byte(byte format)
    {
        var bytes = (byte[])ValidEntry.Clone();
        bytes[0] = format;
        AssertRejected(bytes, "format");
    }

    [Fact]
    public void Every_truncation_of_a_valid_entry()
    {
        for (var length = 0; length < ValidEntry.Length; length++)
        {
            Exception? thrown = null;
            try
            {
                LogEntryCodec.Decode(ValidEntry.AsSpan(0, length));
            }
            catch (Exception e)
            {
                thrown = e;
            }

            Assert.True(thrown is CodecException, $"prefix of {length}/{ValidEntry.Length} bytes: expected CodecException, got {thrown?.GetType().Name ?? "success"}");
        }
    }

    [Fact]
    public void Trailing_garbage_after_the_last_command()
        => AssertRejected([.. ValidEntry, 0], "trailing");

    [Fact]
    public void Trailing_bytes_inside_a_command_payload()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Cat(RawEntry.Str("a"), [0]))), "trailing");

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(255)]
    public void Unknown_command_kind(byte kind)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(kind, RawEntry.Str("a"))), "kind");

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Unknown_command_version(byte version)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Str("a"), version)), "version");

    [Fact]
    public void Invalid_utf8_in_an_id()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Utf8Bytes([(byte)'a', 0xFF]))), "UTF-8");

    [Fact]
    public void An_encoded_surrogate_in_an_id_is_not_utf8()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Utf8Bytes([0xED, 0xA0, 0x80]))), "UTF-8");

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("a%20")]
    public void Invalid_id_characters(string id)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Str(id))));

    [Fact]
    public void An_id_longer_than_the_limit()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Cancel, RawEntry.Str(new string('a', 129)))));

    [Theory]
    [InlineData(0UL)]
    [InlineData((ulong)int.MaxValue + 1)]
    [InlineData(ulong.MaxValue)]
    public void Timeout_out_of_range(ulong timeout)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Create, RawEntry.Cat(RawEntry.Str("a"), RawEntry.Spec(timeoutMs: timeout)))), "timeout");

    [Fact]
    public void The_largest_timeout_is_accepted()
    {
        var entry = LogEntryCodec.Decode(RawEntry.Entry(1, RawEntry.Command(RawEntry.Create, RawEntry.Cat(RawEntry.Str("a"), RawEntry.Spec(timeoutMs: int.MaxValue)))));
        Assert.Equal(int.MaxValue, Assert.IsType<CreateTimer>(entry.Commands[0]).Spec.TimeoutMs);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(255)]
    public void Unknown_data_kind(byte kind)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Update, RawEntry.Cat(RawEntry.Str("a"), RawEntry.Spec(dataKind: kind)))), "data kind");

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Unknown_delivery_outcome(byte outcome)
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.DeliveryResult,
            RawEntry.Cat(RawEntry.Str("a"), RawEntry.VarUInt(1), RawEntry.VarUInt(1), [outcome], [0]))), "outcome");

    [Fact]
    public void Attempt_zero()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.DeliveryResult,
            RawEntry.Cat(RawEntry.Str("a"), RawEntry.VarUInt(1), RawEntry.VarUInt(0), [1], [0]))), "attempt");

    [Fact]
    public void Fire_of_version_zero()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.Fire, RawEntry.Cat(RawEntry.Str("a"), RawEntry.VarUInt(0)))), "version");

    [Fact]
    public void Invalid_presence_marker_of_an_optional_error()
        => AssertRejected(RawEntry.Entry(1, RawEntry.Command(RawEntry.DeliveryResult,
            RawEntry.Cat(RawEntry.Str("a"), RawEntry.VarUInt(1), RawEntry.VarUInt(1), [1], [2]))), "presence");

    [Fact]
    public void Negative_stamp()
        => AssertRejected(RawEntry.Entry(-1), "stamp");

    [Fact]
    public void Varint_longer_than_ten_bytes()
        => AssertRejected(RawEntry.Cat(RawEntry.Entry(1, 0, 0)[..9], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), "varint");

    [Fact]
    public void Varint_overflowing_64_bits()
        => AssertRejected(RawEntry.Cat(RawEntry.Entry(1, 0, 0)[..9], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]), "varint");

    [Fact]
    public void Command_count_larger_than_the_commands_present()
        => AssertRejected(RawEntry.Entry(1, 1, 3, RawEntry.Command(RawEntry.Cancel, RawEntry.Str("a"))));

    [Fact]
    public void Command_count_above_the_limit()
        => AssertRejected(RawEntry.Entry(1, 1, LogEntryCodec.MaxCommandsPerEntry + 1), "command count");

    [Fact]
    public void Payload_length_larger_than_the_bytes_present()
        => AssertRejected(RawEntry.Entry(1, 1, 1, RawEntry.Cat([RawEntry.Cancel, 1], RawEntry.VarUInt(50), RawEntry.Str("a"))));
}

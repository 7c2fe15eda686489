using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// Pins format 1 byte for byte. These bytes are what every log written so far holds, so a later release must still
/// decode them to the same commands (an upgrade replays old logs), and must not write version 1 differently
/// (a mixed-version cluster during a rolling upgrade exchanges entries). A change to the format needs a new
/// format or command version, not an edit of these bytes.
/// </summary>
public sealed class LogFormatV1GoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("order-42", new TimerSpec(30_000, new CallbackSpec("http", "post", "http://127.0.0.1:9000/hook"), Specs.Text("hello"))),
        new UpdateTimer("order-42", new TimerSpec(45_000, new CallbackSpec("http", "put", "https://example.com/x?y=1"), Specs.Json("{\"a\":[1,2]}"))),
        new CancelTimer("order.43_~-"),
        new FireTimer("order-42", 2),
        new RecordDelivery("order-42", 2, 1, DeliveryOutcome.Retry, "HTTP 503"),
        new RecordDelivery("order-42", 2, 2, DeliveryOutcome.Delivered, null),
        new PurgeFinished(86_400_000),
    ];

    // Written by this codec at format 1 (unchanged since the first release), one command of each kind.
    private const string V1Hex =
        ""
        + "017B68E5CF8B01000007010138086F726465722D3432B0EA01046874747004706F73741A687474703A2F2F3132372E30"
        + "2E302E313A393030302F686F6F6B010568656C6C6F02013C086F726465722D3432C8DF02046874747003707574196874"
        + "7470733A2F2F6578616D706C652E636F6D2F783F793D31020B7B2261223A5B312C325D7D03010C0B6F726465722E3433"
        + "5F7E2D04010A086F726465722D343202050116086F726465722D34320201020108485454502035303305010D086F7264"
        + "65722D34320202010006010480B89929";

    [Fact]
    public void Format_1_entries_written_by_earlier_releases_decode_to_the_same_commands()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(V1Hex));
        Assert.Equal(Stamp, decoded.StampUnixMs);
        CommandAssert.Equal(Commands, decoded.Commands);
    }

    [Fact]
    public void This_release_writes_format_1_byte_for_byte_as_before()
        => Assert.Equal(V1Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));
}

/// <summary>
/// Pins version 2 of the update command (an update with an expected version, from HTTP <c>If-Match</c>): version 1's
/// payload, then the expected version. An update without one is still written as version 1 (pinned above), so logs
/// without <c>If-Match</c> stay readable by builds that know only version 1.
/// </summary>
public sealed class UpdateVersion2GoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new UpdateTimer("order-42", new TimerSpec(45_000, new CallbackSpec("http", "put", "https://example.com/x?y=1"), Specs.Json("{\"a\":[1,2]}")), ExpectedVersion: 300),
    ];

    // Derived by hand from the version 1 bytes of the same update above (kind 02, version 02, payload length 62, the
    // same payload, then 300 as a varint: AC 02), not copied from the encoder's output.
    private const string Hex =
        "017B68E5CF8B0100000102023E086F726465722D3432C8DF020468747470037075741968747470733A2F2F6578616D706C652E636F6D2F"
        + "783F793D31020B7B2261223A5B312C325D7DAC02";

    [Fact]
    public void An_update_with_an_expected_version_is_command_version_2_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void Version_2_decodes_to_the_same_update()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex));
        Assert.Equal(Stamp, decoded.StampUnixMs);
        CommandAssert.Equal(Commands, decoded.Commands);
    }
}

/// <summary>
/// Pins version 2 of the purge command (with bounds on finished timers): version 1's payload (the retention), then
/// the most finished timers and bytes kept and the most purged per entry. A purge without bounds is still version 1
/// (pinned above); the leader writes version 2 only once every member reads it (<see cref="LogLevels"/>).
/// </summary>
public sealed class PurgeVersion2GoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new PurgeFinished(86_400_000, new FinishedBounds(MaxTimers: 1_000_000, MaxBytes: 536_870_912, MaxPerEntry: 10_000)),
    ];

    // Derived by hand: kind 06, version 02, payload length 14, then four LEB128 varints: 86,400,000 = 80 B8 99 29,
    // 1,000,000 = C0 84 3D, 536,870,912 (2^29) = 80 80 80 80 02, 10,000 = 90 4E.
    private const string Hex = "017B68E5CF8B0100000106020E80B89929C0843D8080808002904E";

    [Fact]
    public void A_purge_with_bounds_is_command_version_2_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void Version_2_decodes_to_the_same_purge()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex));
        Assert.Equal(Stamp, decoded.StampUnixMs);
        CommandAssert.Equal(Commands, decoded.Commands);
    }

    [Fact]
    public void A_slice_of_zero_is_rejected_as_corrupt()
        => Assert.Throws<CodecException>(() => LogEntryCodec.Decode(Convert.FromHexString("017B68E5CF8B0100000106020D80B89929C0843D808080800200")));
}

/// <summary>
/// Pins create version 2 and update version 3, whose spec says when the timer is due (<c>spec2</c>): a due tag (2 =
/// at an absolute time) and the Unix ms, then version 1's spec fields. A spec with a timeout is still written as
/// version 1 (pinned above), so logs without <c>dueAt</c> stay readable by builds that know no <c>spec2</c>.
/// </summary>
public sealed class AbsoluteDueGoldenTests
{
    private const long Stamp = 1_700_000_000_123;
    private const long DueAt = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("order-42", TimerSpec.At(DueAt, new CallbackSpec("http", "post", "http://127.0.0.1:9000/hook"), Specs.Text("hello"))),
        new UpdateTimer("order-42", TimerSpec.At(DueAt, new CallbackSpec("http", "put", "https://example.com/x?y=1"), Specs.Json("{\"a\":[1,2]}"))),
        new UpdateTimer("order-42", TimerSpec.At(DueAt, new CallbackSpec("http", "put", "https://example.com/x?y=1"), Specs.Json("{\"a\":[1,2]}")), ExpectedVersion: 300),
    ];

    // Derived by hand from the version 1 bytes above: the timeout's varint gives way to the due tag 02 and the due time
    // as a varint (80 D0 EA B6 B7 33); update version 3 ends with the expected version, 00 for none and AC 02 for 300.
    // Kinds, versions and payload lengths: create 01 02 3C (60), updates 02 03 41 (65) and 02 03 42 (66).
    private const string Hex =
        "017B68E5CF8B0100000301023C086F726465722D34320280D0EAB6B733046874747004706F73741A687474703A2F2F3132372E302E302E31"
        + "3A393030302F686F6F6B010568656C6C6F020341086F726465722D34320280D0EAB6B7330468747470037075741968747470733A2F2F65"
        + "78616D706C652E636F6D2F783F793D31020B7B2261223A5B312C325D7D00020342086F726465722D34320280D0EAB6B73304687474700370"
        + "75741968747470733A2F2F6578616D706C652E636F6D2F783F793D31020B7B2261223A5B312C325D7DAC02";

    [Fact]
    public void Specs_with_a_due_time_are_create_version_2_and_update_version_3_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void They_decode_to_the_same_commands()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex));
        Assert.Equal(Stamp, decoded.StampUnixMs);
        CommandAssert.Equal(Commands, decoded.Commands);
    }

    [Theory]
    [InlineData("03", "an unknown due tag")]
    [InlineData("00", "a zero due tag")]
    public void An_unknown_due_tag_is_rejected_as_corrupt(string tag, string what)
    {
        // The create alone, with its due tag replaced.
        var create = "017B68E5CF8B0100000101023C086F726465722D3432" + tag
            + "80D0EAB6B733046874747004706F73741A687474703A2F2F3132372E302E302E313A393030302F686F6F6B010568656C6C6F";
        Assert.True(Throws(create), what);
        Assert.False(Throws(create.Replace("3432" + tag, "343202", StringComparison.Ordinal)), "the same entry with tag 02 decodes");
    }

    [Fact]
    public void A_due_time_past_9999_is_rejected_as_corrupt()
    {
        // 253,402,300,800,000 ms (10000-01-01) as a varint: one more than the latest instant the API takes.
        var beyond = LogEntryCodec.Encode(Stamp, [new CreateTimer("a", TimerSpec.At(TimerLimits.MaxDueAtUnixMs + 1, new CallbackSpec("http", "post", "http://h/"), TimerData.None))]);
        Assert.Throws<CodecException>(() => LogEntryCodec.Decode(beyond));
    }

    [Fact]
    public void A_timeout_spec_keeps_its_version_1_bytes_and_a_due_time_never_goes_into_them()
    {
        var timeout = new CreateTimer("a", new TimerSpec(500, new CallbackSpec("http", "post", "http://h/"), TimerData.None));
        var bytes = LogEntryCodec.Encode(Stamp, [timeout]);
        Assert.Equal(0x01, bytes[10]); // kind: create
        Assert.Equal(0x01, bytes[11]); // version 1
    }

    private static bool Throws(string hex)
    {
        try
        {
            LogEntryCodec.Decode(Convert.FromHexString(hex));
            return false;
        }
        catch (CodecException)
        {
            return true;
        }
    }
}

/// <summary>
/// Pins create version 3 and update version 4, whose spec carries tagged fields (<c>spec3</c>): <c>spec2</c>, then a
/// field count and each field as tag, length, bytes; tag 1 is the callback's headers. A spec without headers keeps
/// its older bytes (pinned above), so logs of timers without headers stay readable by builds that know no <c>spec3</c>.
/// </summary>
public sealed class SpecFieldsGoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static TimerHeaders Headers(params (string Name, string Value)[] headers)
        => TimerHeaders.TryCreate([.. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))], allowCredentials: true, out var error)
            ?? throw new InvalidOperationException(error);

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("order-42", new TimerSpec(5_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None) { Headers = Headers(("X-Tenant", "acme")) }),
    ];

    // Derived by hand: id 08 "order-42"; due tag 01 and 5000 as a varint (88 27); transport 04 "http"; method 04 "post";
    // uri 09 "http://h/"; data kind 00 and no bytes (00); one field (01) with tag 01 and 15 bytes (0F): one header
    // (01), name 08 "X-Tenant", value 04 "acme". Kind, version and payload length: 01 03 34 (52 bytes).
    private const string Hex =
        "017B68E5CF8B0100000101033408" + "6F726465722D3432" + "018827" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000"
        + "01010F01" + "08582D54656E616E74" + "0461636D65";

    [Fact]
    public void A_spec_with_headers_is_create_version_3_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void It_decodes_to_the_same_create()
    {
        var decoded = LogEntryCodec.Decode(Convert.FromHexString(Hex));
        CommandAssert.Equal(Commands, decoded.Commands);
    }

    [Fact]
    public void Updates_with_headers_are_version_4_with_or_without_an_expected_version_and_round_trip()
    {
        var spec = TimerSpec.At(1_767_225_600_000, new CallbackSpec("http", "put", "https://example.com/x"), Specs.Json("{\"a\":1}")) with
        {
            Headers = Headers(("Authorization", "Bearer abc"), ("X-Trace", "t-1")),
        };
        TimerCommand[] updates = [new UpdateTimer("order-42", spec), new UpdateTimer("order-42", spec, ExpectedVersion: 7)];
        var bytes = LogEntryCodec.Encode(Stamp, updates);
        Assert.Equal(0x02, bytes[10]); // kind: update
        Assert.Equal(0x04, bytes[11]); // version 4
        CommandAssert.Equal(updates, LogEntryCodec.Decode(bytes).Commands);
    }

    [Theory]
    [InlineData("01010F01", "01020F01", "an unknown field tag")]
    [InlineData("01010F01", "02010F01", "two fields where this build knows one")]
    [InlineData("0461636D65", "0461630A65", "a control character in a value")]
    [InlineData("01010F01", "01010F02", "a header count past the headers given")]
    [InlineData("01010F01", "01010E01", "a field length short of its headers")]
    public void A_malformed_field_is_rejected_as_corrupt(string find, string replace, string what)
    {
        var corrupt = Hex.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Hex, corrupt);
        var threw = false;
        try
        {
            LogEntryCodec.Decode(Convert.FromHexString(corrupt));
        }
        catch (CodecException)
        {
            threw = true;
        }

        Assert.True(threw, $"{what} decoded");
    }

    [Fact]
    public void A_spec_without_headers_keeps_its_older_version()
    {
        var plain = new CreateTimer("a", new TimerSpec(500, new CallbackSpec("http", "post", "http://h/"), TimerData.None));
        var due = new CreateTimer("a", TimerSpec.At(1_767_225_600_000, new CallbackSpec("http", "post", "http://h/"), TimerData.None));
        Assert.Equal(0x01, LogEntryCodec.Encode(Stamp, [plain])[11]);
        Assert.Equal(0x02, LogEntryCodec.Encode(Stamp, [due])[11]);
    }
}

/// <summary>
/// Pins create version 4 (<c>spec4</c>: due by its schedule, and the schedule as spec field 2) and delivery result
/// version 2 (a repeating timer's firing named), the commands of <see cref="LogLevels.Schedules"/>.
/// </summary>
public sealed class ScheduleGoldenTests
{
    private const long Stamp = 1_700_000_000_123;

    private static readonly TimerCommand[] Commands =
    [
        new CreateTimer("r1", new TimerSpec(0, new CallbackSpec("http", "post", "http://h/"), TimerData.None)
        {
            Schedule = TimerSchedule.Every(60_000) with { Count = 3, Misfire = MisfirePolicy.Skip },
        }),
        new RecordDelivery("r1", 1, 1, DeliveryOutcome.Delivered, null) { Occurrence = 2 },
    ];

    // Derived by hand before the code ran: create (01) version 04, 36 bytes: id "r1", due kind 03 (by schedule), "http",
    // "post", the uri, no data, one field: tag 02, 7 bytes: every (02) 60000 (E0 D4 03), no end (00), count 03, skip (02).
    // Then the delivery result (05) version 02, 8 bytes: "r1", version 1, attempt 1, delivered, no error, occurrence 2.
    private const string Hex =
        "017B68E5CF8B01000002" + "010424" + "027231" + "03" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000"
        + "01" + "0207" + "02E0D403000302" + "050208" + "0272310101010002";

    [Fact]
    public void A_schedule_and_a_firings_result_are_written_byte_for_byte()
        => Assert.Equal(Hex, Convert.ToHexString(LogEntryCodec.Encode(Stamp, Commands)));

    [Fact]
    public void They_decode_to_the_same_commands()
        => CommandAssert.Equal(Commands, LogEntryCodec.Decode(Convert.FromHexString(Hex)).Commands);

    [Theory]
    [InlineData("0207" + "02E0D403000302", "0207" + "03E0D403000302", "unknown schedule kind 3")]
    [InlineData("0207" + "02E0D403000302", "0207" + "02E0D403000303", "unknown misfire policy 3")]
    [InlineData("010424" + "027231" + "03" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000" + "01" + "0207" + "02E0D403000302",
        "010423" + "027231" + "03" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000" + "01" + "0206" + "02E707000302", "schedule interval")]
    public void A_corrupt_schedule_is_refused(string good, string bad, string reason)
    {
        var e = Assert.Throws<CodecException>(() => LogEntryCodec.Decode(Convert.FromHexString(Hex.Replace(good, bad, StringComparison.Ordinal))));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_due_by_its_schedule_without_one_is_refused()
    {
        // The same create with no fields (count 00, and 9 bytes fewer): due kind 03 but nothing to be due by.
        var noSchedule = "017B68E5CF8B01000001" + "01041B" + "027231" + "03" + "0468747470" + "04706F7374" + "09687474703A2F2F682F" + "0000" + "00";
        var e = Assert.Throws<CodecException>(() => LogEntryCodec.Decode(Convert.FromHexString(noSchedule)));
        Assert.Contains("has no schedule", e.Message, StringComparison.Ordinal);
    }
}

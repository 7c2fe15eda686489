using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

public sealed class LogEntryCodecRoundTripTests
{
    private static void AssertRoundTrips(long stamp, params TimerCommand[] commands)
    {
        var decoded = LogEntryCodec.Decode(LogEntryCodec.Encode(stamp, commands));
        Assert.Equal(stamp, decoded.StampUnixMs);
        CommandAssert.Equal(commands, decoded.Commands);
    }

    [Fact]
    public void Every_command_kind_round_trips_in_one_entry()
        => AssertRoundTrips(1_700_000_000_123,
            new CreateTimer("order-42", Specs.Http(30_000, data: Specs.Text("hello"))),
            new UpdateTimer("order-42", Specs.Http(45_000, "https://example.com/x?y=1", Specs.Json("{\"a\":[1,2]}"), "put")),
            new CancelTimer("order.43_~-"),
            new FireTimer("order-42", 2),
            new RecordDelivery("order-42", 2, 1, DeliveryOutcome.Retry, "HTTP 503"),
            new PurgeFinished(86_400_000));

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Ids_no_longer_accepted_from_clients_still_replay_from_an_old_log(string id)
    {
        Assert.False(TimerLimits.IsValidId(id));
        AssertRoundTrips(7, new CreateTimer(id, Specs.Http(1_000)), new CancelTimer(id));
    }

    [Theory]
    [InlineData(DeliveryOutcome.Delivered, null)]
    [InlineData(DeliveryOutcome.Delivered, "")]
    [InlineData(DeliveryOutcome.Retry, "connection refused")]
    [InlineData(DeliveryOutcome.Retry, null)]
    [InlineData(DeliveryOutcome.Failed, "HTTP 500: ошибка 😀")]
    [InlineData(DeliveryOutcome.Failed, null)]
    public void Delivery_results_round_trip_with_each_outcome(DeliveryOutcome outcome, string? error)
        => AssertRoundTrips(5, new RecordDelivery("t", long.MaxValue, int.MaxValue, outcome, error));

    [Fact]
    public void Unicode_strings_round_trip()
        => AssertRoundTrips(0,
            new CreateTimer("u", new TimerSpec(1, new CallbackSpec("htté", "pöst", "http://例え.テスト/パス?q=😀👩‍💻"), Specs.Text("mixed: 中文 🇫🇷 \u0000 end"))),
            new RecordDelivery("u", 1, 1, DeliveryOutcome.Retry, "\u0000\u200d😀"));

    [Fact]
    public void Empty_and_absent_data_round_trip()
        => AssertRoundTrips(7,
            new CreateTimer("none", Specs.Http(1)),
            new CreateTimer("empty-text", Specs.Http(2, data: Specs.Text(""))),
            new CreateTimer("empty-json", Specs.Http(3, data: new TimerData(TimerDataKind.Json, ReadOnlyMemory<byte>.Empty))));

    [Fact]
    public void Text_and_json_data_keep_their_kind_and_bytes()
    {
        var text = Specs.Text("{\"looks\":\"like json\"}");
        var json = Specs.Json("{\"looks\":\"like json\"}");
        var decoded = LogEntryCodec.Decode(LogEntryCodec.Encode(1, [new CreateTimer("a", Specs.Http(1, data: text)), new CreateTimer("b", Specs.Http(1, data: json))]));

        var a = Assert.IsType<CreateTimer>(decoded.Commands[0]).Spec.Data;
        var b = Assert.IsType<CreateTimer>(decoded.Commands[1]).Spec.Data;
        Assert.Equal(TimerDataKind.Text, a.Kind);
        Assert.Equal(TimerDataKind.Json, b.Kind);
        Assert.Equal(text.Utf8.ToArray(), a.Utf8.ToArray());
        Assert.Equal(json.Utf8.ToArray(), b.Utf8.ToArray());
    }

    [Fact]
    public void Limits_round_trip_at_their_bounds()
        => AssertRoundTrips(long.MaxValue,
            new CreateTimer(new string('x', TimerLimits.MaxIdLength), Specs.Http(TimerLimits.MaxTimeoutMs)),
            new UpdateTimer("min", Specs.Http(1)),
            new FireTimer("v", long.MaxValue),
            new PurgeFinished(0),
            new PurgeFinished(long.MaxValue));

    [Fact]
    public void An_entry_without_commands_round_trips()
        => AssertRoundTrips(123);

    [Fact]
    public void Many_commands_share_one_entry()
        => AssertRoundTrips(99, Enumerable.Range(0, 1000).Select(i => (TimerCommand)new FireTimer($"t{i}", i + 1)).ToArray());

    [Fact]
    public void A_callback_uri_of_the_longest_accepted_length_round_trips_even_when_not_ascii()
    {
        // The HTTP edge accepts up to MaxUriLength characters; non-ASCII characters take several UTF-8 bytes.
        // An entry the leader can commit must decode again, or every node stops at it.
        var uri = "http://h/" + new string('é', TimerLimits.MaxUriLength - "http://h/".Length);
        AssertRoundTrips(1, new CreateTimer("long-uri", Specs.Http(1000, uri)));
    }
}

using System.Text;
using RaftTimers.Cluster.Delivery;
using RaftTimers.Core.Lead;
using RaftTimers.Core.Model;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Http;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Http;

/// <summary>The create/replace body as docs/api.md gives it: a timer spec, or a 400 whose reason names the field.</summary>
public sealed class TimerRequestParserTests
{
    private static readonly CallbackTransports Transports = new([new HttpCallbackTransport(new DeliveryOptions()), new TcpCallbackTransport(new DeliveryOptions())]);

    private static readonly TimerRequestParser Parser = new(Transports, CallbackPolicy.FromSettings("", "", denyDefaults: false));

    private static TimerSpec Parse(string json) => Parser.Parse(Encoding.UTF8.GetBytes(json));

    private static string Refusal(string json)
    {
        var e = Assert.Throws<ApiException>(() => Parse(json));
        Assert.Equal(400, e.Status);
        return e.Message;
    }

    [Fact]
    public void A_skyring_body_becomes_a_spec()
    {
        var spec = Parse("""{"timeout":1500,"data":{"n":1},"callback":{"transport":"http","method":"put","uri":"http://10.0.0.1:8080/hook"}}""");
        Assert.Equal(1500, spec.TimeoutMs);
        Assert.Equal("put", spec.Callback.Method);
        Assert.Equal("http://10.0.0.1:8080/hook", spec.Callback.Uri);
        Assert.Equal(TimerDataKind.Json, spec.Data.Kind);
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(spec.Data.Utf8.Span));
    }

    [Fact]
    public void A_string_payload_is_kept_as_text()
        => Assert.Equal(TimerDataKind.Text, Parse("""{"timeout":1,"data":"hi","callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""").Data.Kind);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"timeout\":1", "malformed JSON")]
    [InlineData("""{"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout is required")]
    [InlineData("""{"timeout":"5","callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout must be an integer")]
    [InlineData("""{"timeout":0,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout must be between")]
    [InlineData("""{"timeout":1}""", "callback")]
    [InlineData("""{"timeout":1,"callback":{"transport":"carrier-pigeon","method":"post","uri":"http://10.0.0.1/"}}""", "transport")]
    [InlineData("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"not a uri"}}""", "uri")]
    public void A_bad_body_is_refused_with_a_reason_naming_what_is_wrong(string json, string reasonContains)
        => Assert.Contains(reasonContains, Refusal(json), StringComparison.OrdinalIgnoreCase);

    private const string Callback = """ "callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"} """;

    [Theory]
    [InlineData("\"2027-01-01T09:00:00Z\"", 1_798_794_000_000)]
    [InlineData("\"2027-01-01T09:00:00z\"", 1_798_794_000_000)]
    [InlineData("\"2027-01-01t10:00:00+01:00\"", 1_798_794_000_000)]
    [InlineData("\"2027-01-01T04:30:00.250-04:30\"", 1_798_794_000_250)]
    [InlineData("\"2027-01-01T09:00:00.123456789Z\"", 1_798_794_000_123)]
    [InlineData("1798794000000", 1_798_794_000_000)]
    [InlineData("\"2000-01-01T00:00:00Z\"", TimerLimits.MinDueAtUnixMs)]
    [InlineData("\"9999-12-31T23:59:59.999Z\"", TimerLimits.MaxDueAtUnixMs)]
    [InlineData("\"2028-02-29T00:00:00Z\"", 1_835_395_200_000)]
    public void A_due_time_is_read_as_an_instant_whatever_its_offset(string dueAt, long unixMs)
    {
        var spec = Parse($$"""{"dueAt":{{dueAt}},{{Callback}}}""");
        Assert.Equal(unixMs, spec.DueAtUnixMs);
        Assert.Equal(0, spec.TimeoutMs);
    }

    [Fact]
    public void A_timeout_leaves_the_due_time_to_the_log_and_a_null_due_time_counts_as_absent()
    {
        Assert.Null(Parse($$"""{"timeout":5,{{Callback}}}""").DueAtUnixMs);
        Assert.Equal(5, Parse($$"""{"timeout":5,"dueAt":null,{{Callback}}}""").TimeoutMs);
        Assert.NotNull(Parse($$"""{"timeout":null,"dueAt":1798794000000,{{Callback}}}""").DueAtUnixMs);
    }

    [Theory]
    [InlineData("\"timeout\":5,\"dueAt\":1798794000000", "give one of timeout, dueAt and schedule")]
    [InlineData("\"dueAt\":\"2027-01-01T09:00:00\"", "RFC 3339")] // no offset: whose 09:00?
    [InlineData("\"dueAt\":\"2027-01-01 09:00:00Z\"", "RFC 3339")]
    [InlineData("\"dueAt\":\"01/01/2027 09:00\"", "RFC 3339")]
    [InlineData("\"dueAt\":\"2027-02-30T09:00:00Z\"", "RFC 3339")]
    [InlineData("\"dueAt\":\"2027-01-01T24:00:00Z\"", "RFC 3339")]
    [InlineData("\"dueAt\":\"2027-01-01T09:00:60Z\"", "RFC 3339")]
    [InlineData("\"dueAt\":\"\u0662\u0660\u0662\u0667-01-01T09:00:00Z\"", "RFC 3339")] // Arabic-Indic digits
    [InlineData("\"dueAt\":1798794000", "seconds")] // Unix seconds, read as ms, is January 1970
    [InlineData("\"dueAt\":\"1999-12-31T23:59:59.999Z\"", "before 2000")]
    [InlineData("\"dueAt\":253402300800000", "9999")]
    [InlineData("\"dueAt\":1.5e12", "integer")]
    [InlineData("\"dueAt\":true", "not a boolean")]
    [InlineData("\"dueAt\":{}", "not an object")]
    public void A_bad_due_time_is_refused_with_a_reason(string field, string reasonContains)
        => Assert.Contains(reasonContains, Refusal($$"""{{{field}},{{Callback}}}"""), StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void Callback_headers_are_kept_in_their_order_and_an_empty_or_null_set_is_none()
    {
        var spec = Parse("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/","headers":{"X-Tenant":"acme","Accept":"*/*"}}}""");
        Assert.Equal([new("X-Tenant", "acme"), new("Accept", "*/*")], spec.Headers!.Items);
        Assert.Null(Parse("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/","headers":{}}}""").Headers);
        Assert.Null(Parse("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/","headers":null}}""").Headers);
    }

    [Theory]
    [InlineData("\"X-A\"", "must be an object of header names and string values, not a string")]
    [InlineData("{\"X-A\":true}", "value of 'X-A' must be a string, not a boolean")]
    [InlineData("{\"Content-Type\":\"text/html\"}", "may not set 'Content-Type'")]
    [InlineData("{\"Cookie\":\"a=b\"}", "unless the node allows credential headers")]
    [InlineData("{\"X-A\":\"\\ud800\"}", "not valid Unicode text")]
    [InlineData("{\"\\ud800\":\"v\"}", "not valid Unicode text")]
    public void Headers_a_callback_must_not_carry_are_a_400_naming_the_reason(string headers, string reason)
        => Assert.Contains(reason, Refusal($$$"""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/","headers":{{{headers}}}}}"""), StringComparison.Ordinal);

    [Fact]
    public void Credential_headers_are_taken_where_the_node_allows_them()
    {
        var allowing = new TimerRequestParser(Transports, CallbackPolicy.FromSettings("", "", denyDefaults: false), allowCredentialHeaders: true);
        var spec = allowing.Parse(Encoding.UTF8.GetBytes("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/","headers":{"Authorization":"Bearer t"}}}"""));
        Assert.Equal("Bearer t", spec.Headers!.Items[0].Value);
    }

    [Fact]
    public void A_tcp_callback_is_taken_as_host_and_port()
    {
        var spec = Parse("""{"timeout":1,"data":"job-7","callback":{"transport":"tcp","method":"post","uri":"tcp://10.0.0.1:5555"}}""");
        Assert.Equal("tcp", spec.Callback.Transport);
        Assert.Equal("tcp://10.0.0.1:5555", spec.Callback.Uri);
    }

    [Theory]
    [InlineData("tcp", "tcp://10.0.0.1", "tcp://host:port")]
    [InlineData("tcp", "tcp://10.0.0.1:5555/path", "nothing after it")]
    [InlineData("tcp", "tcp://10.0.0.1:5555?q=1", "nothing after it")]
    [InlineData("tcp", "http://10.0.0.1:5555/", "callback.uri of transport tcp")]
    [InlineData("http", "tcp://10.0.0.1:5555", "callback.uri of transport http must be an absolute http or https URI")]
    public void A_uri_its_transport_cannot_reach_is_refused_naming_the_transport(string transport, string uri, string reason)
        => Assert.Contains(reason, Refusal($$$"""{"timeout":1,"callback":{"transport":"{{{transport}}}","method":"post","uri":"{{{uri}}}"}}"""), StringComparison.Ordinal);

    [Fact]
    public void An_unknown_transport_is_refused_with_the_ones_this_node_has()
        => Assert.Contains("supported: http, tcp", Refusal("""{"timeout":1,"callback":{"transport":"sqs","method":"post","uri":"sqs://q"}}"""), StringComparison.Ordinal);

    [Fact]
    public void The_callback_policy_holds_for_tcp_targets_too()
    {
        var guarded = new TimerRequestParser(Transports, CallbackPolicy.FromSettings("", "", denyDefaults: true));
        var e = Assert.Throws<ApiException>(() => guarded.Parse(Encoding.UTF8.GetBytes("""{"timeout":1,"callback":{"transport":"tcp","method":"post","uri":"tcp://127.0.0.1:5555"}}""")));
        Assert.Equal(400, e.Status);
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }
}

using RaftTimers.Core.Log;
using RaftTimers.Core.Model;

namespace RaftTimers.Tests;

/// <summary>
/// A timer's own callback headers: which names and values are taken, with a reason for each refusal; and a repeated
/// create is a retry only with the same headers in the same order.
/// </summary>
public sealed class TimerHeadersTests
{
    private static TimerHeaders? Create(bool allowCredentials, out string? error, params (string Name, string Value)[] headers)
        => TimerHeaders.TryCreate([.. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))], allowCredentials, out error);

    [Fact]
    public void Ordinary_headers_are_taken_in_their_order()
    {
        var headers = Create(false, out var error, ("X-Tenant", "acme"), ("X-Api-Version", "2024-01-01"), ("Accept", "*/*"));
        Assert.Null(error);
        Assert.Equal(["X-Tenant", "X-Api-Version", "Accept"], headers!.Items.Select(h => h.Key));
        Assert.Equal("X-Tenant".Length + "acme".Length + "X-Api-Version".Length + "2024-01-01".Length + "Accept".Length + 3, headers.Bytes);
    }

    [Theory]
    [InlineData("Host", "the node sets it")]
    [InlineData("content-type", "the node sets it")]
    [InlineData("Transfer-Encoding", "the node sets it")]
    [InlineData("Connection", "the node sets it")]
    [InlineData("X-Timer-Id", "the node sets it")]
    [InlineData("idempotency-key", "the node sets it")]
    [InlineData("Webhook-Signature", "the node sets it")]
    [InlineData("Authorization", "unless the node allows credential headers")]
    [InlineData("cookie", "unless the node allows credential headers")]
    [InlineData("Bad Name", "is not a header name")]
    [InlineData("X-Tenant:", "is not a header name")]
    [InlineData("", "is not a header name")]
    [InlineData("Ünïcode", "is not a header name")]
    public void A_name_a_callback_must_not_take_is_refused_with_a_reason(string name, string reason)
    {
        Assert.Null(Create(false, out var error, (name, "v")));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_headers_are_taken_where_the_node_allows_them_and_reserved_ones_never()
    {
        Assert.NotNull(Create(true, out _, ("Authorization", "Bearer abc"), ("Cookie", "a=b")));
        Assert.Null(Create(true, out var error, ("Host", "example.com")));
        Assert.Contains("the node sets it", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("line\r\nX-Injected: 1")]
    [InlineData("tab\there")]
    [InlineData("ünïcode")]
    [InlineData("nul\0")]
    public void A_value_with_anything_but_printable_ASCII_is_refused(string value)
    {
        Assert.Null(Create(false, out var error, ("X-Tenant", value)));
        Assert.Contains("printable ASCII", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_given_twice_in_any_case_too_many_or_too_long_headers_are_refused()
    {
        Assert.Null(Create(false, out var twice, ("X-Tenant", "a"), ("x-tenant", "b")));
        Assert.Contains("twice", twice, StringComparison.Ordinal);

        Assert.Null(Create(false, out var many, [.. Enumerable.Range(0, TimerHeaders.MaxCount + 1).Select(i => ($"X-H{i}", "v"))]));
        Assert.Contains($"at most {TimerHeaders.MaxCount}", many, StringComparison.Ordinal);
        Assert.NotNull(Create(false, out _, [.. Enumerable.Range(0, TimerHeaders.MaxCount).Select(i => ($"X-H{i}", "v"))]));

        Assert.Null(Create(false, out var big, ("X-A", new string('a', 2_100)), ("X-B", new string('b', 2_100))));
        Assert.Contains($"at most {TimerHeaders.MaxTotalBytes}", big, StringComparison.Ordinal);
        Assert.Null(Create(false, out _));
    }

    [Fact]
    public void A_repeated_create_is_a_retry_only_with_the_same_headers_in_the_same_order()
    {
        var ab = Create(false, out _, ("X-A", "1"), ("X-B", "2"));
        var ba = Create(false, out _, ("X-B", "2"), ("X-A", "1"));
        var t = new Transcript();
        t.At(1_000, new CreateTimer("t", Specs.Http(60_000) with { Headers = ab }));

        Assert.Equal(CommandOutcome.AlreadyApplied, t.One(2_000, new CreateTimer("t", Specs.Http(60_000) with { Headers = Create(false, out _, ("X-A", "1"), ("X-B", "2")) })).Outcome);
        Assert.Equal(CommandOutcome.Conflict, t.One(2_000, new CreateTimer("t", Specs.Http(60_000) with { Headers = ba })).Outcome);
        Assert.Equal(CommandOutcome.Conflict, t.One(2_000, new CreateTimer("t", Specs.Http(60_000))).Outcome);
        Assert.Equal(LogLevels.SpecFields, LogLevels.Needed(new CreateTimer("t", Specs.Http(60_000) with { Headers = ab })));
    }
}

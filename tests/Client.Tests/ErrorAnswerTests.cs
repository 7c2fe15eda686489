using System.Net;

namespace RaftTimers.Client.Tests;

/// <summary>What an error answer becomes (docs/api.md, Errors): the subclass for its status, with the node's reason and the timer's id.</summary>
public sealed class ErrorAnswerTests
{
    private static readonly TimerRequest Timer = TimerRequest.After(TimeSpan.FromSeconds(5), "http://hooks.example/x");

    [Theory]
    [InlineData(400, typeof(InvalidTimerRequestException))]
    [InlineData(401, typeof(TimerAccessDeniedException))]
    [InlineData(404, typeof(TimerNotFoundException))]
    [InlineData(409, typeof(TimerConflictException))]
    [InlineData(412, typeof(TimerVersionMismatchException))]
    [InlineData(413, typeof(InvalidTimerRequestException))]
    [InlineData(415, typeof(InvalidTimerRequestException))]
    [InlineData(429, typeof(ClusterUnavailableException))]
    [InlineData(502, typeof(ClusterUnavailableException))]
    [InlineData(503, typeof(ClusterUnavailableException))]
    [InlineData(507, typeof(TimerLimitReachedException))]
    [InlineData(418, typeof(TimerApiException))]
    public async Task Each_status_is_its_own_exception_with_the_reason_of_the_header(int status, Type expected)
    {
        var stub = new StubNodes().Answer("a", (HttpStatusCode)status, """{"type":"about:blank","detail":"from the body"}""", "application/problem+json",
            r => r.Headers.Add(TimerApiProtocol.ReasonHeader, "from the header"));
        using var client = stub.Client(null, "a");

        var error = await Assert.ThrowsAnyAsync<TimerApiException>(() => client.ReplaceAsync("t1", Timer));

        Assert.Equal(expected, error.GetType());
        Assert.Equal((HttpStatusCode)status, error.Status);
        Assert.Equal("from the header", error.Reason);
        Assert.Equal(StubNodes.Url("a"), error.Node);
        Assert.StartsWith($"{status} ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_header_the_reason_is_the_problem_detail()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.Conflict, """{"detail":"timer 'x' exists with a different body","timerId":"x"}""", "application/problem+json");
        using var client = stub.Client(null, "a");

        var error = await Assert.ThrowsAsync<TimerConflictException>(() => client.CreateAsync(Timer, "x"));

        Assert.Equal("timer 'x' exists with a different body", error.Reason);
        Assert.Equal("409 Conflict: timer 'x' exists with a different body", error.Message);
    }

    [Fact]
    public async Task A_503_to_a_create_names_the_id_to_retry_with_and_when()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.ServiceUnavailable, "", headers: r =>
        {
            r.Headers.Add(TimerApiProtocol.TimerIdHeader, "made-by-node");
            r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        });
        using var client = stub.Client(o => o.ClientMadeIds = false, "a");

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => client.CreateAsync(Timer));

        Assert.Equal("made-by-node", error.TimerId);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
    }

    [Fact]
    public async Task A_get_of_an_unknown_timer_is_null_not_an_error()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.NotFound, """{"detail":"no timer 't1'"}""", "application/problem+json");
        using var client = stub.Client(null, "a");

        Assert.Null(await client.GetAsync("t1"));
    }

    [Fact]
    public async Task A_success_whose_body_is_not_the_documented_json_is_an_unexpected_answer()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, "<html>proxy</html>", "text/html");
        using var client = stub.Client(null, "a");

        var error = await Assert.ThrowsAsync<UnexpectedAnswerException>(() => client.GetAsync("t1"));
        Assert.Equal(200, error.Status);
    }
}

using System.Net;

namespace RaftTimers.Client.Tests;

/// <summary>
/// Which node a call goes to, and when it is sent again (docs/client.md, "Which node"): past a node that could not be
/// reached always; past a node that took the request and did not answer only for reads and creates with an id; an
/// unanswered write is reported as unknown, never as failed or done.
/// </summary>
public sealed class NodeChoiceTests
{
    private const string Created = """{"id":"t1","location":"/timer/t1","dueAt":"2026-12-07T05:00:00.000Z","version":1}""";
    private static readonly TimerRequest Timer = TimerRequest.After(TimeSpan.FromMinutes(1), "http://hooks.example/t1");

    [Fact]
    public async Task A_node_that_refuses_the_connection_is_passed_for_the_next_even_for_a_write()
    {
        var stub = new StubNodes().Refuse("a").Answer("b", HttpStatusCode.OK, """{"id":"t1","dueAt":"2026-12-07T05:00:00.000Z","version":2}""");
        using var client = stub.Client(null, "a", "b");

        var replaced = await client.ReplaceAsync("t1", Timer);

        Assert.Equal(2, replaced.Version);
        Assert.Equal(["b"], stub.NodesReached());
    }

    [Fact]
    public async Task A_create_that_got_no_answer_is_sent_again_to_the_next_node_with_the_same_id()
    {
        var stub = new StubNodes().Hang("a").Answer("b", HttpStatusCode.Created, Created);
        using var client = stub.Client(null, "a", "b");

        var created = await client.CreateAsync(Timer);

        Assert.Equal(["a", "b"], stub.NodesReached());
        var ids = stub.Requests.Select(r => r.TimerId).ToList();
        Assert.NotNull(ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(stub.Requests.First().Body, stub.Requests.Last().Body);
        Assert.True(Guid.TryParse(ids[0], out var id) && id.Version == 7, $"not a UUIDv7: {ids[0]}");
        Assert.Equal("t1", created.Id);
    }

    [Fact]
    public async Task A_create_no_node_answered_after_it_was_sent_is_unknown_and_names_its_id()
    {
        var stub = new StubNodes().Hang("a").Refuse("b");
        using var client = stub.Client(null, "a", "b");

        var unknown = await Assert.ThrowsAsync<TimerOutcomeUnknownException>(() => client.CreateAsync(Timer, "order-7"));

        Assert.Equal("order-7", unknown.TimerId);
        Assert.Contains("its outcome is unknown", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replace")]
    [InlineData("cancel")]
    public async Task A_replace_or_cancel_that_got_no_answer_is_unknown_and_not_sent_to_another_node(string write)
    {
        var stub = new StubNodes().Hang("a").Answer("b", HttpStatusCode.Accepted);
        using var client = stub.Client(null, "a", "b");

        var unknown = await Assert.ThrowsAsync<TimerOutcomeUnknownException>(() => write == "replace" ? client.ReplaceAsync("t1", Timer) : client.CancelAsync("t1"));

        Assert.Equal(["a"], stub.NodesReached());
        Assert.Equal("t1", unknown.TimerId);
        Assert.Contains("did not answer within 0.3 s after the request was sent", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_without_a_client_made_id_is_sent_once_and_lets_the_node_choose()
    {
        var stub = new StubNodes().Hang("a").Answer("b", HttpStatusCode.Created, Created);
        using var client = stub.Client(o => o.ClientMadeIds = false, "a", "b");

        var unknown = await Assert.ThrowsAsync<TimerOutcomeUnknownException>(() => client.CreateAsync(Timer));

        Assert.Null(unknown.TimerId);
        Assert.Equal(["a"], stub.NodesReached());
        Assert.Null(stub.Requests.Single().TimerId);
    }

    [Fact]
    public async Task A_read_no_node_answered_is_no_answer_and_every_node_was_tried()
    {
        var stub = new StubNodes().Hang("a").Refuse("b").Hang("c");
        using var client = stub.Client(null, "a", "b", "c");

        var none = await Assert.ThrowsAsync<NoNodeAnsweredException>(() => client.GetAsync("t1"));

        Assert.Equal(["a", "c"], stub.NodesReached());
        Assert.Contains("Connection refused", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_that_reached_no_node_is_no_answer_not_unknown()
    {
        var stub = new StubNodes().Refuse("a").Refuse("b");
        using var client = stub.Client(null, "a", "b");

        await Assert.ThrowsAsync<NoNodeAnsweredException>(() => client.CancelAsync("t1"));
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task An_error_answer_is_final_and_not_sent_to_the_next_node()
    {
        var stub = new StubNodes()
            .Answer("a", HttpStatusCode.ServiceUnavailable, "", headers: r => r.Headers.Add(TimerApiProtocol.ReasonHeader, "no leader"))
            .Answer("b", HttpStatusCode.Created, Created);
        using var client = stub.Client(null, "a", "b");

        await Assert.ThrowsAsync<ClusterUnavailableException>(() => client.CreateAsync(Timer, "t1"));
        Assert.Equal(["a"], stub.NodesReached());
    }

    [Fact]
    public async Task The_callers_cancellation_stops_the_call_instead_of_trying_the_next_node()
    {
        var stub = new StubNodes().Hang("a").Answer("b", HttpStatusCode.Created, Created);
        using var client = stub.Client(o => o.RequestTimeout = TimeSpan.FromMinutes(5), "a", "b");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CreateAsync(Timer, "t1", cancel.Token));
        Assert.Equal(["a"], stub.NodesReached());
    }

    [Fact]
    public async Task Tokens_go_where_they_belong_and_a_replace_names_its_version()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, """{"id":"t1","dueAt":"2026-12-07T05:00:00.000Z","version":4}""");
        using var client = stub.Client(o =>
        {
            o.ApiToken = "api-secret";
            o.AdminToken = "admin-secret";
        }, "a");

        await client.ReplaceAsync("t1", Timer, expectedVersion: 3);
        await client.RemoveMemberAsync("n2");

        var sent = stub.Requests.ToList();
        Assert.Equal(("Bearer api-secret", "\"3\"", "/timer/t1"), (sent[0].Authorization, sent[0].IfMatch, sent[0].PathAndQuery));
        Assert.Equal(("Bearer admin-secret", "/cluster/members/n2"), (sent[1].Authorization, sent[1].PathAndQuery));
    }
}

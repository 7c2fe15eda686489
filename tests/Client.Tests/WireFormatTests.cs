using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RaftTimers.Client.Tests;

/// <summary>The wire format both ways (docs/api.md): the body a create sends, and a timer read and written back without loss.</summary>
public sealed class WireFormatTests
{
    /// <summary>A timer as the node writes it (src/Node/Http/TimerJson.cs), with one field this client does not know.</summary>
    private const string NodeTimer = """
        {"id":"order-7","state":"failed","createdAt":"2026-12-07T04:59:00.123Z","dueAt":"2026-12-07T05:00:00.123Z","timeout":60000,
         "data":{"order":7,"lines":[1,2]},"callback":{"transport":"http","method":"put","uri":"https://hooks.example/o?id=7"},
         "version":3,"attempts":5,"firedAtIndex":1234,"fireCount":1,"lastError":"503 from the receiver","futureField":{"x":1}}
        """;

    [Fact]
    public void A_create_sends_timeout_data_and_callback_as_Skyring_does()
    {
        var body = Encoding.UTF8.GetString(TimerApiProtocol.Body(new TimerRequest(1500, new CallbackTarget("http://hooks.example/a", "put"), "text")));

        Assert.Equal("""{"timeout":1500,"data":"text","callback":{"transport":"http","method":"put","uri":"http://hooks.example/a"}}""", body);
    }

    [Fact]
    public void A_create_without_data_sends_no_data_field()
    {
        var body = Encoding.UTF8.GetString(TimerApiProtocol.Body(TimerRequest.After(TimeSpan.FromSeconds(2), "http://hooks.example/a")));

        Assert.Equal("""{"timeout":2000,"callback":{"transport":"http","method":"post","uri":"http://hooks.example/a"}}""", body);
    }

    [Fact]
    public void A_create_at_a_time_sends_dueAt_in_UTC_to_the_millisecond_instead_of_a_timeout()
    {
        var at = new DateTimeOffset(2027, 1, 1, 10, 0, 0, 250, TimeSpan.FromHours(1)).AddTicks(4_000);
        var body = Encoding.UTF8.GetString(TimerApiProtocol.Body(TimerRequest.At(at, "http://hooks.example/a")));

        Assert.Equal("""{"dueAt":"2027-01-01T09:00:00.250Z","callback":{"transport":"http","method":"post","uri":"http://hooks.example/a"}}""", body);
    }

    [Fact]
    public void A_due_time_before_2000_is_refused_before_sending()
        => Assert.Throws<ArgumentOutOfRangeException>(() => TimerRequest.At(DateTimeOffset.FromUnixTimeMilliseconds(1_798_794_000), "http://hooks.example/a"));

    [Fact]
    public async Task A_timer_given_a_due_time_reads_with_no_timeout()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, NodeTimer.Replace("\"timeout\":60000", "\"timeout\":null", StringComparison.Ordinal));
        using var client = stub.Client(null, "a");

        var timer = (await client.GetAsync("order-7"))!;

        Assert.Null(timer.Timeout);
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 5, 0, 0, 123, TimeSpan.Zero), timer.DueAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(TimerRequest.MaxTimeoutMs + 1)]
    public void A_timeout_outside_the_APIs_range_is_refused_before_sending(long timeoutMs)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new TimerRequest(timeoutMs, new CallbackTarget("http://hooks.example/a")));

    [Fact]
    public async Task A_timer_is_read_into_its_fields_and_written_back_out_as_the_node_wrote_it()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, NodeTimer);
        using var client = stub.Client(null, "a");

        var timer = (await client.GetAsync("order-7"))!;

        Assert.Equal(("order-7", TimerStates.Failed, 3L, 5, 1234L), (timer.Id, timer.State, timer.Version, timer.Attempts, timer.FiredAtIndex));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 5, 0, 0, 123, TimeSpan.Zero), timer.DueAt);
        Assert.Equal(new CallbackTarget("https://hooks.example/o?id=7", "put"), timer.Callback);
        Assert.Equal(7, timer.Data!.Value.GetProperty("order").GetInt32());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(NodeTimer), JsonNode.Parse(JsonSerializer.Serialize(timer, TimerApiProtocol.Json))));
    }

    [Fact]
    public async Task A_repeating_timer_is_read_with_its_schedule_and_written_back_as_the_node_wrote_it()
    {
        const string Scheduled = """
            {"id":"report","state":"pending","createdAt":"2026-12-07T04:59:00.123Z","dueAt":"2026-12-08T08:00:00.000Z","timeout":null,
             "data":null,"callback":{"transport":"http","method":"post","uri":"https://hooks.example/r"},
             "schedule":{"cron":"0 9 * * MON-FRI","timeZone":"Europe/Berlin","endAt":"2027-06-30T00:00:00.000Z","count":20,"misfire":"skip"},
             "occurrence":3,"version":1,"attempts":0,"firedAtIndex":0,"fireCount":0,"lastError":null}
            """;
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, Scheduled);
        using var client = stub.Client(null, "a");

        var timer = (await client.GetAsync("report"))!;

        Assert.Equal(("0 9 * * MON-FRI", "Europe/Berlin", 20, "skip", 3), (timer.Schedule!.Cron, timer.Schedule.TimeZone, timer.Schedule.Count, timer.Schedule.Misfire, timer.Occurrence));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Scheduled), JsonNode.Parse(JsonSerializer.Serialize(timer, TimerApiProtocol.Json))));
    }

    [Fact]
    public void A_repeating_create_sends_its_schedule_and_no_timeout()
    {
        var body = JsonNode.Parse(TimerApiProtocol.Body(new TimerRequest(
            new Schedule { Every = 900_000, Count = 4, Misfire = "fireAll" }, new CallbackTarget("https://hooks.example/r"))))!;

        Assert.Null(body["timeout"]);
        Assert.Null(body["dueAt"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"every":900000,"count":4,"misfire":"fireAll"}"""), body["schedule"]));
    }

    [Fact]
    public async Task A_timer_without_data_has_null_data()
    {
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, NodeTimer.Replace("""{"order":7,"lines":[1,2]}""", "null", StringComparison.Ordinal));
        using var client = stub.Client(null, "a");

        var timer = (await client.GetAsync("order-7"))!;

        Assert.True(timer.Data is null || timer.Data.Value.ValueKind == JsonValueKind.Null, $"data: {timer.Data}");
    }

    [Fact]
    public async Task Listing_all_follows_each_page_after_the_last_id_until_next_is_null()
    {
        var stub = new StubNodes().On("a", (request, _) =>
        {
            var query = request.RequestUri!.Query;
            var page = query.Contains("after=b", StringComparison.Ordinal) ? """{"timers":[TIMER_C],"next":null}"""
                : """{"timers":[TIMER_A,TIMER_B],"next":"b"}""";
            foreach (var id in new[] { "a", "b", "c" })
                page = page.Replace($"TIMER_{id.ToUpperInvariant()}", NodeTimer.Replace("order-7", id, StringComparison.Ordinal), StringComparison.Ordinal);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(page) });
        });
        using var client = stub.Client(null, "a");

        var ids = new List<string>();
        await foreach (var timer in client.ListAllAsync(new TimerQuery(TimerStates.Failed, limit: 2)))
            ids.Add(timer.Id);

        Assert.Equal(["a", "b", "c"], ids);
        Assert.Equal(["/timer?limit=2&state=failed", "/timer?limit=2&state=failed&after=b"], stub.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public void A_create_with_headers_sends_them_in_the_callback_in_their_order()
    {
        var callback = new CallbackTarget("http://hooks.example/a") { Headers = new Dictionary<string, string> { ["X-Tenant"] = "acme", ["Accept"] = "*/*" } };
        var body = Encoding.UTF8.GetString(TimerApiProtocol.Body(new TimerRequest(1500, callback)));

        Assert.Equal("""{"timeout":1500,"callback":{"transport":"http","method":"post","uri":"http://hooks.example/a","headers":{"X-Tenant":"acme","Accept":"*/*"}}}""", body);
    }

    [Fact]
    public async Task A_timers_headers_are_read_back()
    {
        var withHeaders = NodeTimer.Replace("\"uri\":\"https://hooks.example/o?id=7\"}", "\"uri\":\"https://hooks.example/o?id=7\",\"headers\":{\"X-Tenant\":\"acme\"}}", StringComparison.Ordinal);
        Assert.NotEqual(NodeTimer, withHeaders);
        var stub = new StubNodes().Answer("a", HttpStatusCode.OK, withHeaders);
        using var client = stub.Client(null, "a");

        var timer = (await client.GetAsync("order-7"))!;

        Assert.Equal("acme", timer.Callback.Headers!["X-Tenant"]);
    }

    [Fact]
    public void A_batch_sends_each_create_with_its_id_then_the_cancels()
    {
        var batch = new TimerBatch()
            .Create(new TimerRequest(1500, new CallbackTarget("http://hooks.example/a")), "a")
            .Create(TimerRequest.At(new DateTimeOffset(2027, 1, 1, 9, 0, 0, TimeSpan.Zero), "http://hooks.example/b", "x"), "b")
            .Cancel("c");
        var body = Encoding.UTF8.GetString(TimerApiProtocol.BatchBody(batch));

        Assert.Equal("""{"create":[{"id":"a","timeout":1500,"callback":{"transport":"http","method":"post","uri":"http://hooks.example/a"}},"""
            + """{"id":"b","dueAt":"2027-01-01T09:00:00.000Z","data":"x","callback":{"transport":"http","method":"post","uri":"http://hooks.example/b"}}],"cancel":["c"]}""", body);
        Assert.Matches("^[0-9a-f-]{36}$", new TimerBatch().Create(TimerRequest.After(TimeSpan.FromSeconds(1), "http://h/")).Creates[0].Id);
    }
}

using System.Text.RegularExpressions;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// OpenTelemetry export over OTLP (README, "Metrics" and "Tracing"): with an endpoint configured, every node pushes its
/// metrics and traces there, and each callback carries the W3C <c>traceparent</c> of its delivery attempt.
/// </summary>
public sealed partial class TelemetryTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-9a-f]$")]
    private static partial Regex TraceParent();

    [Fact]
    public async Task With_an_otlp_endpoint_metrics_and_traces_are_pushed_there_and_callbacks_carry_their_traceparent()
    {
        // One sink stands for both: the OTLP collector (POST /v1/metrics and /v1/traces, answered 200) and the receiver.
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, $"--RaftTimers:Telemetry:OtlpEndpoint={sink.BaseUrl}/otlp",
            "--RaftTimers:Telemetry:OtlpProtocol=http/protobuf", "--RaftTimers:Telemetry:MetricsIntervalMs=500");
        var leader = await cluster.LeaderIndexAsync();
        var id = $"traced-{Guid.NewGuid():N}"[..20];
        sink.FailNext(id, 1);

        await cluster.Http.Client(cluster.Urls[leader % 3]).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(100), sink.UrlFor(id), "traced"), id);
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200), Deadline);

        // Each attempt is an activity of its own: a trace parent per attempt, well formed.
        var attempts = sink.Deliveries.Where(d => d.TimerId == id).ToList();
        Assert.Equal(2, attempts.Count);
        var parents = attempts.Select(d => d.Headers.GetValueOrDefault("traceparent") ?? "").ToList();
        Assert.All(parents, p => Assert.Matches(TraceParent(), p));
        Assert.NotEqual(parents[0], parents[1]);

        await sink.WaitUntilAsync(d => d.Any(x => x.Path == "/otlp/v1/metrics") && d.Any(x => x.Path == "/otlp/v1/traces"), Deadline,
            () => string.Join(", ", sink.Deliveries.Select(x => x.Path).Distinct()));
        var pushed = sink.Deliveries.Where(d => d.Path.StartsWith("/otlp/", StringComparison.Ordinal)).ToList();
        Assert.All(pushed, d => Assert.Equal(("POST", "application/x-protobuf"), (d.Method, d.ContentType)));
        // Every node pushes: each names itself in its resource. service.instance.id is the node id, in the protobuf as a
        // string field of an AnyValue: tag 0x0A, length 2, then "n1", "n2" or "n3".
        await sink.WaitUntilAsync(d => Enumerable.Range(1, 3).All(n => d.Any(x => x.Path == "/otlp/v1/metrics"
                && x.Body.Contains("service.instance.id", StringComparison.Ordinal) && x.Body.Contains($"\n\u0002n{n}", StringComparison.Ordinal))),
            Deadline, () => $"{pushed.Count} pushes");
    }

    [Fact]
    public async Task A_callback_joins_the_trace_of_the_request_that_wrote_its_version_on_whichever_node_it_entered()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, $"--RaftTimers:Telemetry:OtlpEndpoint={sink.BaseUrl}/otlp",
            "--RaftTimers:Telemetry:OtlpProtocol=http/protobuf", "--RaftTimers:Telemetry:MetricsIntervalMs=500");
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        const string created = "0af7651916cd43dd8448eb211c80319c";
        const string replaced = "4bf92f3577b34da6a3ce929d0e0e4736";
        var id = $"joined-{Guid.NewGuid():N}"[..20];
        var plain = $"plain-{Guid.NewGuid():N}"[..20];
        // A node keeps a write's context once it knows every member reads it, which it learns in the background.
        await LogLevelKnownAsync(cluster, 8);

        // Created through a follower in one trace (forwarded to the leader), replaced through the leader in another:
        // the callback, due after the replace, belongs to the second; a timer written without a trace gets one of its own.
        Assert.Equal(System.Net.HttpStatusCode.Created, await SendAsync(cluster.Http, HttpMethod.Post, follower + "/timer", id,
            TimerApi.Body(60_000, sink.UrlFor(id)), $"00-{created}-b7ad6b7169203331-01"));
        Assert.Equal(System.Net.HttpStatusCode.OK, await SendAsync(cluster.Http, HttpMethod.Put, $"{cluster.Urls[leader - 1]}/timer/{id}", null,
            TimerApi.Body(300, sink.UrlFor(id)), $"00-{replaced}-00f067aa0ba902b7-01"));
        await cluster.Http.CreateOkAsync(follower, plain, 300, sink.UrlFor(plain));
        // A batch through a follower travels to the leader as the request it came as, in the same trace.
        const string batched = "5af7651916cd43dd8448eb211c80319d";
        var inBatch = $"batched-{Guid.NewGuid():N}"[..20];
        var item = System.Text.Json.Nodes.JsonNode.Parse(TimerApi.Body(300, sink.UrlFor(inBatch)))!.AsObject();
        item["id"] = inBatch;
        Assert.Equal(System.Net.HttpStatusCode.OK, await SendAsync(cluster.Http, HttpMethod.Post, follower + "/timer/batch", null,
            new System.Text.Json.Nodes.JsonObject { ["create"] = new System.Text.Json.Nodes.JsonArray(item) }.ToJsonString(), $"00-{batched}-c7ad6b7169203332-01"));
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id) && d.Any(x => x.TimerId == plain) && d.Any(x => x.TimerId == inBatch), Deadline);
        Assert.Equal(batched, (sink.Deliveries.Single(d => d.TimerId == inBatch).Headers.GetValueOrDefault("traceparent") ?? "--").Split('-')[1]);

        var parent = sink.Deliveries.Single(d => d.TimerId == id).Headers.GetValueOrDefault("traceparent") ?? "";
        Assert.Matches(TraceParent(), parent);
        Assert.Equal(replaced, parent.Split('-')[1]);
        var own = sink.Deliveries.Single(d => d.TimerId == plain).Headers.GetValueOrDefault("traceparent") ?? "";
        Assert.Matches(TraceParent(), own);
        Assert.DoesNotContain(own.Split('-')[1], (string[])[created, replaced]);

        // The writes' own spans, from the request through the commit, are exported as well.
        await sink.WaitUntilAsync(d => d.Any(x => x.Path == "/otlp/v1/traces" && x.Body.Contains("timer create", StringComparison.Ordinal))
                && d.Any(x => x.Path == "/otlp/v1/traces" && x.Body.Contains("timer replace", StringComparison.Ordinal)),
            Deadline, () => $"{sink.Deliveries.Count(x => x.Path == "/otlp/v1/traces")} trace pushes");
    }

    [Fact]
    public async Task Below_log_level_8_a_traced_write_is_taken_without_its_context()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, $"--RaftTimers:Telemetry:OtlpEndpoint={sink.BaseUrl}/otlp",
            "--RaftTimers:Telemetry:OtlpProtocol=http/protobuf", "--RaftTimers:Raft:LogLevel=7");
        var leader = await cluster.LeaderIndexAsync();
        const string requested = "0af7651916cd43dd8448eb211c80319c";
        var id = $"unkept-{Guid.NewGuid():N}"[..20];
        await LogLevelKnownAsync(cluster, 7);

        Assert.Equal(System.Net.HttpStatusCode.Created, await SendAsync(cluster.Http, HttpMethod.Post, cluster.Urls[leader % 3] + "/timer", id,
            TimerApi.Body(300, sink.UrlFor(id)), $"00-{requested}-b7ad6b7169203331-01"));
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), Deadline);

        var parent = sink.Deliveries.Single(d => d.TimerId == id).Headers.GetValueOrDefault("traceparent") ?? "";
        Assert.Matches(TraceParent(), parent);
        Assert.NotEqual(requested, parent.Split('-')[1]);
    }

    /// <summary>Waits until every node says, in <c>GET /cluster</c>, that every member reads <paramref name="level"/>.</summary>
    private static Task LogLevelKnownAsync(LocalCluster cluster, int level)
        => Poll.UntilAsync(async () => await Task.WhenAll(cluster.Urls.Select(async url => (await cluster.Http.Client(url).GetClusterAsync()).Json.GetProperty("logLevel").GetInt32())),
            levels => levels.All(l => l == level), Deadline, levels => $"the nodes know log levels {string.Join(", ", levels)}");

    private static async Task<System.Net.HttpStatusCode> SendAsync(HttpClient http, HttpMethod method, string url, string? id, string body, string traceParent)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (id is not null)
            request.Headers.Add("x-timer-id", id);
        request.Headers.Add("traceparent", traceParent);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}

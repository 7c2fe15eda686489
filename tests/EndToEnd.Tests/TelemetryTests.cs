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
}

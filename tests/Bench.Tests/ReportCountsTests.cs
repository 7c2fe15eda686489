using System.Diagnostics;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Tests;

/// <summary>The per-interval and per-bucket counts a report carries for <c>bench plot</c>.</summary>
public sealed class ReportCountsTests
{
    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Timeline_counts_each_operation_in_the_interval_it_finished_in_and_later_ones_in_the_last()
    {
        var timeline = new Timeline(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), lanes: 2);
        timeline.Record(Ticks(0.2), target: 0, ok: true);
        timeline.Record(Ticks(1.5), target: 1, ok: true);
        timeline.Record(Ticks(1.9), target: 1, ok: false);
        timeline.Record(Ticks(2.999), target: 0, ok: true);
        timeline.Record(Ticks(7), target: 0, ok: true); // in flight when the window closed

        Assert.Equal([1L, 1, 2], timeline.Counts(3, ok: true));
        Assert.Equal([0L, 1, 0], timeline.Counts(3, ok: false));
        Assert.Equal([1L, 0, 2], timeline.Counts(3, ok: true, target: 0));
        Assert.Equal([0L, 1, 0], timeline.Counts(3, ok: true, target: 1));
        Assert.Equal([1L, 3], timeline.Counts(2, ok: true)); // a window cut short: the rest counts in its last interval
    }

    [Fact]
    public void Timeline_of_a_long_stream_counts_past_its_first_chunk()
    {
        var timeline = new Timeline(TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        timeline.Record(Ticks(0.05), 0, ok: true);
        timeline.Record(Ticks(250.05), 0, ok: false); // interval 2500, in the third chunk of 1024
        var failed = timeline.Counts(2501, ok: false);
        Assert.Equal(1, failed[2500]);
        Assert.Equal(1, failed.Sum());
        Assert.Equal(1, timeline.Counts(2501, ok: true)[0]);
    }

    [Fact]
    public void Timeline_report_writes_the_lists_to_the_json_and_not_the_table()
    {
        var timeline = new Timeline(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), lanes: 2);
        timeline.Record(Ticks(0.5), 1, ok: true);
        var result = new BenchResult("create");
        result.Section("results").Add("succeeded", 1L);
        timeline.Report(result, TimeSpan.FromSeconds(2), [new Uri("http://127.0.0.1:1/"), new Uri("http://127.0.0.1:2/")]);

        var json = JsonNode.Parse(result.ToJson())![Timeline.Section]!;
        Assert.Equal(1, json[Timeline.IntervalKey]!.GetValue<double>());
        Assert.Equal("[1,0]", json[Timeline.SucceededKey]!.ToJsonString());
        Assert.Equal("[0,0]", json[Timeline.FailedKey]!.ToJsonString());
        Assert.Equal("[1,0]", json[Timeline.ByTargetKey]!["http://127.0.0.1:2/"]!.ToJsonString());
        var table = new StringWriter();
        result.PrintTable(table);
        Assert.DoesNotContain(Timeline.SucceededKey, table.ToString(), StringComparison.Ordinal);
        Assert.Contains("succeeded", table.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Lateness_buckets_hold_values_from_their_lower_edge_up_to_the_next_and_stop_at_the_highest_used()
    {
        var buckets = new LogBuckets();
        buckets.Record(0);        // [0, 0.1 ms)
        buckets.Record(99);
        buckets.Record(100);      // [0.1, 0.126)
        buckets.Record(1_000);    // [1, 1.259)
        buckets.Record(1_258);
        var result = new BenchResult("precision");
        buckets.Report(result, "distribution");

        var json = JsonNode.Parse(result.ToJson())!["distribution"]!;
        var edges = json[LogBuckets.EdgesKey]!.AsArray().Select(e => e!.GetValue<double>()).ToArray();
        var counts = json[LogBuckets.CountsKey]!.AsArray().Select(c => c!.GetValue<long>()).ToArray();
        Assert.Equal(edges.Length - 1, counts.Length);
        Assert.Equal([0, 0.1, 0.126], edges[..3]);
        Assert.Equal(1.259, edges[^1]);
        Assert.Equal(1, edges[^2]);
        Assert.Equal(2, counts[0]);
        Assert.Equal(1, counts[1]);
        Assert.Equal(2, counts[^1]);
        Assert.Equal(5, counts.Sum());
    }
}

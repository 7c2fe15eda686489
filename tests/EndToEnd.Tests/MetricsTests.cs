using System.Net;
using System.Text;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// <c>GET /metrics</c> on real node processes: valid Prometheus text, the node's gauges move with its state, and the
/// counters and histograms move as timers are written, fire, and are delivered or fail.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class MetricsTests(ThreeNodeCluster fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private Task<Scrape> ScrapeAsync(string node) => Scrape.FetchAsync(fixture.Cluster.Http, node);

    private async Task<Scrape[]> ScrapeAllAsync()
    {
        var scrapes = new Scrape[fixture.Cluster.Urls.Count];
        for (var i = 0; i < scrapes.Length; i++)
            scrapes[i] = await ScrapeAsync(fixture.Cluster.Urls[i]);
        return scrapes;
    }

    [Fact]
    public async Task Every_node_serves_prometheus_text_whose_gauges_follow_its_state()
    {
        var (leader, _, _) = await fixture.RolesAsync();
        var before = new Dictionary<string, Scrape>();
        foreach (var node in fixture.Cluster.Urls)
            before[node] = await ScrapeAsync(node);
        foreach (var (node, samples) in before)
        {
            foreach (var name in (string[])["rafttimers_timers_pending", "rafttimers_raft_term", "rafttimers_raft_commit_index", "rafttimers_raft_applied_index",
                         "rafttimers_raft_last_log_index", "rafttimers_raft_apply_lag", "rafttimers_raft_progress_stalled", "rafttimers_raft_leader",
                         "rafttimers_raft_leader_changes_total"])
                Assert.True(samples.Has(name), $"{node}/metrics lacks {name}");
            Assert.True(samples["rafttimers_raft_term"] >= 1);
            // The runtime's figures, which explain pauses and memory under load.
            foreach (var name in (string[])["dotnet_gc_pause_time_seconds_total", "dotnet_gc_collections_total", "dotnet_gc_last_collection_heap_size_bytes",
                         "dotnet_thread_pool_queue_length",
                         // ASP.NET Core's and Kestrel's: the API's request durations and connections.
                         "http_server_request_duration_seconds_count", "kestrel_active_connections"])
                Assert.True(samples.Has(name), $"{node}/metrics lacks {name}");
        }

        // Exactly one node says it leads (polled: under load an election may be under way at any moment).
        await Poll.UntilAsync(async () =>
            {
                var leaders = 0.0;
                foreach (var node in fixture.Cluster.Urls)
                    leaders += (await ScrapeAsync(node))["rafttimers_raft_leader"];
                return leaders;
            }, leaders => leaders == 1, TimeSpan.FromSeconds(30), leaders => $"{leaders} nodes say they lead");

        const int created = 5;
        for (var i = 0; i < created; i++)
            await fixture.Cluster.Http.CreateOkAsync(leader, $"metrics-{Guid.NewGuid():N}", 3_600_000, fixture.Sink.UrlFor("metrics"));

        // Every node applies the creates: its pending gauge and applied index move (followers a little after the leader),
        // and once it has caught up, nothing waits and nothing is stalled.
        foreach (var node in fixture.Cluster.Urls)
        {
            var after = await Poll.UntilAsync(() => ScrapeAsync(node),
                s => s["rafttimers_timers_pending"] >= before[node]["rafttimers_timers_pending"] + created
                     && s["rafttimers_raft_applied_index"] > before[node]["rafttimers_raft_applied_index"],
                TimeSpan.FromSeconds(30), s => $"{node}: pending {s["rafttimers_timers_pending"]}, applied {s["rafttimers_raft_applied_index"]}");
            Assert.True(after["rafttimers_raft_commit_index"] >= after["rafttimers_raft_applied_index"]);
            Assert.True(after["rafttimers_raft_last_log_index"] >= after["rafttimers_raft_commit_index"]);
            await Poll.UntilAsync(() => ScrapeAsync(node), s => s["rafttimers_raft_apply_lag"] == 0 && s["rafttimers_raft_progress_stalled"] == 0,
                TimeSpan.FromSeconds(30), s => $"{node}: apply lag {s["rafttimers_raft_apply_lag"]}, stalled {s["rafttimers_raft_progress_stalled"]}");
        }
    }

    /// <summary>The series one scenario moves, summed over every node: leadership may move during the test.</summary>
    private sealed record Totals(
        double CreatedApplied, double CreatedIdempotent, double CreatedConflict, double CreatedInvalid,
        double UpdatedApplied, double UpdatedNotFound, double CancelledApplied, double CancelledIdempotent, double CancelledNotFound,
        double Fires, double Delivered, double Retried, double Failed,
        double LatenessCount, double LatenessUnder60s, double DeliveredDurationCount, double RetryDurationCount, double FailedDurationCount)
    {
        public static Totals Of(Scrape[] scrapes)
        {
            double Sum(string name, params (string, string)[] where) => scrapes.Sum(s => s.Sum(name, where));
            double Writes(string op, string outcome) => Sum("rafttimers_timers_writes_total", ("op", op), ("outcome", outcome));
            double Attempts(string outcome) => Sum("rafttimers_deliveries_attempts_total", ("outcome", outcome));
            double Durations(string outcome) => Sum("rafttimers_deliveries_duration_seconds_count", ("outcome", outcome));
            return new Totals(
                Writes("create", "applied"), Writes("create", "idempotent"), Writes("create", "conflict"), Writes("create", "invalid"),
                Writes("update", "applied"), Writes("update", "not_found"), Writes("cancel", "applied"), Writes("cancel", "idempotent"), Writes("cancel", "not_found"),
                Sum("rafttimers_timers_fires_total"), Attempts("delivered"), Attempts("retry"), Attempts("failed"),
                Sum("rafttimers_timers_fire_lateness_seconds_count"), Sum("rafttimers_timers_fire_lateness_seconds_bucket", ("le", "60")),
                Durations("delivered"), Durations("retry"), Durations("failed"));
        }

        public static Totals operator -(Totals a, Totals b) => new(
            a.CreatedApplied - b.CreatedApplied, a.CreatedIdempotent - b.CreatedIdempotent, a.CreatedConflict - b.CreatedConflict,
            a.CreatedInvalid - b.CreatedInvalid, a.UpdatedApplied - b.UpdatedApplied, a.UpdatedNotFound - b.UpdatedNotFound,
            a.CancelledApplied - b.CancelledApplied, a.CancelledIdempotent - b.CancelledIdempotent, a.CancelledNotFound - b.CancelledNotFound, a.Fires - b.Fires, a.Delivered - b.Delivered,
            a.Retried - b.Retried, a.Failed - b.Failed, a.LatenessCount - b.LatenessCount, a.LatenessUnder60s - b.LatenessUnder60s,
            a.DeliveredDurationCount - b.DeliveredDurationCount, a.RetryDurationCount - b.RetryDurationCount, a.FailedDurationCount - b.FailedDurationCount);
    }

    [Fact]
    public async Task Counters_and_histograms_move_as_timers_are_written_fire_and_are_delivered_or_fail()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var before = Totals.Of(await ScrapeAllAsync());

        // Writes, half of them through followers, which forward them: each must be counted once, by the leader.
        const int delivered = 3;
        var okIds = Enumerable.Range(0, delivered).Select(i => $"metrics-ok-{i}-{Guid.NewGuid():N}").ToArray();
        await http.CreateOkAsync(leader, okIds[0], 100, fixture.Sink.UrlFor(okIds[0]));
        await http.CreateOkAsync(follower, okIds[1], 100, fixture.Sink.UrlFor(okIds[1]));
        await http.CreateOkAsync(otherFollower, okIds[2], 100, fixture.Sink.UrlFor(okIds[2]));
        await http.CreateOkAsync(follower, okIds[2], 100, fixture.Sink.UrlFor(okIds[2])); // the same body again: idempotent
        using (var conflict = await http.CreateAsync(follower, okIds[2], TimerApi.Body(200, fixture.Sink.UrlFor(okIds[2]))))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        using (var invalid = await http.CreateAsync(follower, null, """{"timeout":"soon"}"""))
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);

        // The receiver answers 500 to every attempt of this one, so it uses up the fixture's 4 attempts and ends failed.
        var failingId = $"metrics-fail-{Guid.NewGuid():N}";
        fixture.Sink.FailNext(failingId, 100);
        await http.CreateOkAsync(otherFollower, failingId, 100, fixture.Sink.UrlFor(failingId));

        var longId = $"metrics-long-{Guid.NewGuid():N}";
        await http.CreateOkAsync(leader, longId, 3_600_000, fixture.Sink.UrlFor(longId));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Put, $"{follower}/timer/{longId}", TimerApi.Body(7_200_000, fixture.Sink.UrlFor(longId))));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(HttpMethod.Put, $"{leader}/timer/metrics-nobody-{Guid.NewGuid():N}", TimerApi.Body(1_000, fixture.Sink.UrlFor("x"))));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(HttpMethod.Delete, $"{otherFollower}/timer/{longId}", null));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(HttpMethod.Delete, $"{follower}/timer/{longId}", null)); // repeated: idempotent
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(HttpMethod.Delete, $"{leader}/timer/metrics-nobody-{Guid.NewGuid():N}", null));

        await fixture.Sink.WaitUntilAsync(d => okIds.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200))
                                               && d.Count(x => x.TimerId == failingId) >= 4, Deadline);

        // Fires, deliveries and their histograms are counted by the leader as it acts, just before or after the callback
        // the sink saw, so they are polled; the write counters are exact: nothing else writes while this test runs.
        const int fired = delivered + 1;
        var moved = await Poll.UntilAsync(async () => Totals.Of(await ScrapeAllAsync()) - before,
            d => d.CreatedApplied >= delivered + 2 && d.CancelledNotFound >= 1
                 && d.Fires >= fired && d.Delivered >= delivered && d.Retried >= 3 && d.Failed >= 1
                 && d.LatenessCount >= fired && d.DeliveredDurationCount >= delivered && d.FailedDurationCount >= 1,
            Deadline, d => $"moved by {d}");

        Assert.Equal(delivered + 2, moved.CreatedApplied); // the three, the failing one and the long one
        Assert.Equal(1, moved.CreatedIdempotent);
        Assert.Equal(1, moved.CreatedConflict);
        Assert.Equal(1, moved.CreatedInvalid);
        Assert.Equal(1, moved.UpdatedApplied);
        Assert.Equal(1, moved.UpdatedNotFound);
        Assert.Equal(1, moved.CancelledApplied);
        Assert.Equal(1, moved.CancelledIdempotent);
        Assert.Equal(1, moved.CancelledNotFound);
        Assert.True(moved.RetryDurationCount >= 3, $"retry durations moved by {moved.RetryDurationCount}");
        Assert.True(moved.LatenessUnder60s >= fired, $"lateness buckets moved by {moved.LatenessUnder60s}");

        // The histograms carry the advertised bucket bounds (1 ms to 10 s; lateness on to 60 s).
        var bounds = (await ScrapeAllAsync()).First(s => s.Has("rafttimers_deliveries_duration_seconds_bucket"));
        Assert.Equal(["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "+Inf"],
            bounds.BucketBounds("rafttimers_deliveries_duration_seconds"));
        Assert.Equal(["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10", "30", "60", "+Inf"],
            bounds.BucketBounds("rafttimers_timers_fire_lateness_seconds"));
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string url, string? body)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await fixture.Cluster.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_node_whose_leader_never_changed_since_its_metrics_began_still_exports_its_leader_changes()
    {
        // One node elects itself while starting, before its metrics listen: the counter must still be there.
        await using var single = await LocalCluster.StartAsync(1);
        var scrape = await Scrape.FetchAsync(single.Http, single.Urls[0]);
        Assert.True(scrape.Has("rafttimers_raft_leader_changes_total"), "the leader-change counter has no series");
    }
}

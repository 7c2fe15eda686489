using System.Net;
using System.Text;
using RaftTimers.Client;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>Timers through a real 3-node cluster: each arrives once, never early; cancel and replace work from any node.</summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class TimerLifecycleTests(ThreeNodeCluster fixture)
{
    // The leader stamps in whole milliseconds, so its stamp can be up to 1 ms below the client's send time.
    private static readonly TimeSpan StampRounding = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Timers_created_through_a_follower_each_arrive_once_and_not_early()
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var prefix = $"follower-{Guid.NewGuid():N}"[..20];
        var sent = new Dictionary<string, (DateTimeOffset SentAt, int TimeoutMs)>();
        for (var i = 0; i < 20; i++)
        {
            var id = $"{prefix}-{i}";
            var timeoutMs = 200 + (i * 70);
            sent[id] = (await http.CreateOkAsync(follower, id, timeoutMs, fixture.Sink.UrlFor(id), new { n = i }), timeoutMs);
        }

        await fixture.Sink.WaitUntilAsync(d => sent.Keys.All(id => d.Any(x => x.TimerId == id)), TimeSpan.FromSeconds(60));

        // Let any duplicate show itself: a later timer's arrival proves the wheel moved past all of these.
        var sentinel = $"{prefix}-sentinel";
        await http.CreateOkAsync(follower, sentinel, 300, fixture.Sink.UrlFor(sentinel));
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == sentinel), TimeSpan.FromSeconds(30));

        foreach (var (id, (sentAt, timeoutMs)) in sent)
        {
            var arrivals = fixture.Sink.Deliveries.Where(d => d.TimerId == id).ToList();
            var delivery = Assert.Single(arrivals);
            Assert.True(delivery.ArrivedAt >= sentAt + TimeSpan.FromMilliseconds(timeoutMs) - StampRounding,
                $"{id} arrived {(sentAt + TimeSpan.FromMilliseconds(timeoutMs) - delivery.ArrivedAt).TotalMilliseconds} ms early");
            Assert.Equal($"{id}:1:{(await http.GetAsync(follower, id))?.FiredAtIndex}", delivery.IdempotencyKey);
            Assert.Equal(1, delivery.Attempt);
            Assert.Equal("POST", delivery.Method);
            Assert.Equal("application/json", delivery.ContentType);
            Assert.Contains("\"n\"", delivery.Body, StringComparison.Ordinal);

            var timer = await WaitForStateAsync(follower, id, "delivered");
            var dueAt = timer.DueAt;
            Assert.True(delivery.ArrivedAt >= dueAt, $"{id} arrived before its dueAt {dueAt:O}");
            Assert.Equal(1, timer.FireCount);
        }
    }

    [Fact]
    public async Task A_cancel_through_another_node_prevents_delivery()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"cancel-{Guid.NewGuid():N}";
        await http.CreateOkAsync(follower, id, 1500, fixture.Sink.UrlFor(id), "do not deliver");

        using (var cancel = await http.DeleteAsync($"{otherFollower}/timer/{id}"))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        // A repeated cancel (a retry after a lost answer) is answered as the first was.
        using (var again = await http.DeleteAsync($"{leader}/timer/{id}"))
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);

        // A timer due after the cancelled one's due time: once it arrives, the cancelled one had its chance.
        var later = $"{id}-later";
        await http.CreateOkAsync(leader, later, 2500, fixture.Sink.UrlFor(later));
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == later), TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(fixture.Sink.Deliveries, d => d.TimerId == id);
        foreach (var node in fixture.Cluster.Urls)
            Assert.Equal("cancelled", (await http.GetAsync(node, id))?.State);
    }

    [Fact]
    public async Task A_timer_created_without_an_id_gets_a_time_ordered_uuid_that_finds_it()
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;

        using var created = await http.CreateAsync(follower, id: null, TimerApi.Body(600_000, fixture.Sink.UrlFor("no-id")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location?.OriginalString;
        Assert.StartsWith("/timer/", location, StringComparison.Ordinal);
        var id = location!["/timer/".Length..];

        // A UUIDv7 (RFC 9562) in its canonical lower-case form: its text sorts by creation time, which keeps every
        // node's sorted id index appending rather than inserting at random places (docs/benchmarks.md).
        Assert.True(Guid.TryParseExact(id, "D", out var uuid), id);
        Assert.Equal(7, uuid.Version);
        Assert.Equal(id.ToLowerInvariant(), id);
        var timer = await http.GetAsync(follower, id);
        Assert.NotNull(timer);
        Assert.Equal(id, timer.Id);
    }

    [Fact]
    public async Task Put_replaces_data_and_delay()
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"put-{Guid.NewGuid():N}";
        await http.CreateOkAsync(leader, id, 600_000, fixture.Sink.UrlFor(id), "old data");

        var replacedAt = DateTimeOffset.UtcNow;
        using (var put = await http.PutAsync($"{follower}/timer/{id}",
                   new StringContent(TimerApi.Body(400, fixture.Sink.UrlFor(id) + "/v2", "new data", method: "put"), Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), TimeSpan.FromSeconds(30));
        var delivery = Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == id);
        Assert.Equal("new data", delivery.Body);
        Assert.Equal("text/plain; charset=utf-8", delivery.ContentType);
        Assert.Equal("PUT", delivery.Method);
        Assert.EndsWith("/v2", delivery.Path, StringComparison.Ordinal);
        Assert.Equal($"{id}:2:{(await http.GetAsync(follower, id))?.FiredAtIndex}", delivery.IdempotencyKey);
        Assert.True(delivery.ArrivedAt >= replacedAt + TimeSpan.FromMilliseconds(400) - StampRounding, "delivered before the new delay ran out");

        var timer = await WaitForStateAsync(follower, id, "delivered");
        Assert.Equal(2, timer.Version);
        using var putAfterFire = await http.PutAsync($"{leader}/timer/{id}",
            new StringContent(TimerApi.Body(400, fixture.Sink.UrlFor(id)), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, putAfterFire.StatusCode);
    }

    [Fact]
    public async Task A_replace_with_If_Match_applies_once_and_its_retry_is_refused_412_through_any_node()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"ifmatch-{Guid.NewGuid():N}";
        await http.CreateOkAsync(leader, id, 600_000, fixture.Sink.UrlFor(id), "v1");

        using (var get = await http.GetAsync($"{otherFollower}/timer/{id}"))
            Assert.Equal("\"1\"", get.Headers.ETag?.Tag);

        HttpRequestMessage Replace(string ifMatch, string data)
        {
            var put = new HttpRequestMessage(HttpMethod.Put, $"{follower}/timer/{id}")
            {
                Content = new StringContent(TimerApi.Body(600_000, fixture.Sink.UrlFor(id), data), Encoding.UTF8, "application/json"),
            };
            put.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return put;
        }

        using (var first = await http.SendAsync(Replace("\"1\"", "v2")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("\"2\"", first.Headers.ETag?.Tag);
        }

        // The same request again, as a client retries after a lost answer: refused, and the version does not move.
        using (var retried = await http.SendAsync(Replace("\"1\"", "v2")))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, retried.StatusCode);
            Assert.Contains("version 2", TimerApi.Reason(retried), StringComparison.Ordinal);
        }

        using (var bad = await http.SendAsync(Replace("latest", "v3")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var timer = await http.GetAsync(leader, id);
        Assert.Equal(2, timer?.Version);
        using var cancel = await http.DeleteAsync($"{leader}/timer/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_then_succeeds_gets_three_attempts_with_growing_gaps()
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"retry-{Guid.NewGuid():N}";
        fixture.Sink.FailNext(id, 2);
        await http.CreateOkAsync(follower, id, 100, fixture.Sink.UrlFor(id));

        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200), TimeSpan.FromSeconds(30));
        var attempts = fixture.Sink.Deliveries.Where(d => d.TimerId == id).OrderBy(d => d.ArrivedAt).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([500, 500, 200], attempts.Select(a => a.AnsweredStatus));
        var key = $"{id}:1:{(await http.GetAsync(follower, id))?.FiredAtIndex}";
        Assert.All(attempts, a => Assert.Equal(key, a.IdempotencyKey));
        var firstGap = attempts[1].ArrivedAt - attempts[0].ArrivedAt;
        var secondGap = attempts[2].ArrivedAt - attempts[1].ArrivedAt;
        Assert.True(firstGap >= TimeSpan.FromMilliseconds(150), $"first gap {firstGap.TotalMilliseconds} ms is shorter than the backoff");
        Assert.True(secondGap > firstGap, $"gaps did not grow: {firstGap.TotalMilliseconds} ms then {secondGap.TotalMilliseconds} ms");

        var timer = await WaitForStateAsync(follower, id, "delivered");
        Assert.Equal(3, timer.Attempts);
    }

    private async Task<TimerInfo> WaitForStateAsync(string node, string id, string state)
    {
        var timer = await Poll.UntilAsync(() => fixture.Cluster.Http.GetAsync(node, id),
            t => t?.State == state,
            TimeSpan.FromSeconds(30),
            t => $"timer {id} on {node} is {t?.State ?? "missing"}, not {state}");
        return timer!;
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using RaftTimers.Client;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Batches (<c>POST /timer/batch</c>, docs/api.md) through a real 3-node cluster: sent to a follower, decided on the
/// leader in one entry, each item answered as its single write would be; a batch of creates sent again changes nothing;
/// a body that is not a batch is refused whole.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class BatchTests(ThreeNodeCluster fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_batch_through_a_follower_answers_each_item_and_its_timers_fire_once()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var prefix = $"batch-{Guid.NewGuid():N}"[..20];
        await http.CreateOkAsync(leader, $"{prefix}-to-cancel", 600_000, fixture.Sink.UrlFor($"{prefix}-to-cancel"));

        var batch = new TimerBatch()
            .Create(TimerRequest.After(TimeSpan.FromMilliseconds(400), fixture.Sink.UrlFor($"{prefix}-a"), "first"), $"{prefix}-a")
            .Create(TimerRequest.At(DateTimeOffset.UtcNow.AddMilliseconds(500), fixture.Sink.UrlFor($"{prefix}-b")), $"{prefix}-b")
            .Create(new TimerRequest(400, new CallbackTarget(fixture.Sink.UrlFor($"{prefix}-c"), "put") { Headers = new Dictionary<string, string> { ["X-Tenant"] = "acme" } }), $"{prefix}-c")
            .Create(TimerRequest.After(TimeSpan.FromSeconds(1), "ftp://not-http.example/"), $"{prefix}-bad")
            .Cancel($"{prefix}-to-cancel")
            .Cancel($"{prefix}-unknown");

        var results = await http.Client(follower).BatchAsync(batch);

        Assert.Equal(
            [("create", $"{prefix}-a", 201), ("create", $"{prefix}-b", 201), ("create", $"{prefix}-c", 201), ("create", $"{prefix}-bad", 400),
             ("cancel", $"{prefix}-to-cancel", 202), ("cancel", $"{prefix}-unknown", 404)],
            results.Select(r => (r.Op, r.Id, r.Status)));
        Assert.All(results.Take(3), r => Assert.Equal(1L, r.Version));
        Assert.Contains("http or https", results[3].Reason, StringComparison.Ordinal);
        Assert.Null(await http.GetAsync(otherFollower, $"{prefix}-bad"));
        Assert.Equal("cancelled", (await http.GetAsync(otherFollower, $"{prefix}-to-cancel"))!.State);

        // The same creates again (a retry after a lost answer) are the same timers: 201 with version 1, nothing new.
        var again = new TimerBatch();
        foreach (var (id, timer) in batch.Creates.Take(3))
            again.Create(timer, id);
        Assert.All(await http.Client(otherFollower).BatchAsync(again), r => Assert.Equal((201, 1L), (r.Status, r.Version)));

        await fixture.Sink.WaitUntilAsync(d => new[] { "a", "b", "c" }.All(s => d.Any(x => x.TimerId == $"{prefix}-{s}")), Deadline);
        var sentinel = $"{prefix}-sentinel";
        await http.CreateOkAsync(follower, sentinel, 300, fixture.Sink.UrlFor(sentinel));
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == sentinel), Deadline);
        foreach (var s in new[] { "a", "b", "c" })
            Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == $"{prefix}-{s}");
        Assert.Equal("acme", Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == $"{prefix}-c").Headers["X-Tenant"]);
        Assert.DoesNotContain(fixture.Sink.Deliveries, d => d.TimerId == $"{prefix}-to-cancel");
    }

    [Theory]
    [InlineData("[]", 400, "a JSON object")]
    [InlineData("{}", 400, "at least one item")]
    [InlineData("{\"create\":{}}", 400, "create must be an array")]
    [InlineData("{\"cancel\":[]}", 400, "at least one item")]
    [InlineData("{\"create\":[", 400, "malformed JSON")]
    public async Task A_body_that_is_not_a_batch_is_refused_whole(string body, int status, string reason)
    {
        var (_, follower, _) = await fixture.RolesAsync();
        using var answer = await PostAsync(follower, body);
        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Contains(reason, TimerApi.Reason(answer), StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_items_than_a_batch_may_hold_or_a_body_not_declared_JSON_are_refused_before_anything_is_written()
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var id = $"batch-limit-{Guid.NewGuid():N}";
        var tooMany = JsonSerializer.Serialize(new { create = new[] { new { id, timeout = 600_000, callback = new { transport = "http", method = "post", uri = fixture.Sink.UrlFor(id) } } }, cancel = Enumerable.Range(0, 1000).Select(i => $"c{i}") });
        using (var answer = await PostAsync(follower, tooMany))
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("at most 1000 items", TimerApi.Reason(answer), StringComparison.Ordinal);
        }

        using (var content = new StringContent("{\"cancel\":[\"x\"]}", Encoding.UTF8, "text/plain"))
        using (var answer = await fixture.Cluster.Http.PostAsync($"{follower}{TimerApiProtocol.BatchPath}", content))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);

        Assert.Null(await fixture.Cluster.Http.GetAsync(follower, id));
    }

    private Task<HttpResponseMessage> PostAsync(string node, string body)
        => fixture.Cluster.Http.PostAsync($"{node}{TimerApiProtocol.BatchPath}", new StringContent(body, Encoding.UTF8, "application/json"));
}

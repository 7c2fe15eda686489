using System.Net;
using RaftTimers.Client;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A timer's own callback headers (<c>callback.headers</c>, docs/api.md) through a real 3-node cluster: given through a
/// follower, shown by every node, sent with the callback beside the node's own; a name the node sets is refused;
/// another set of headers under the same id is a conflict, the same one a retry.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class CallbackHeadersTests(ThreeNodeCluster fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Headers_given_through_a_follower_are_shown_everywhere_and_arrive_with_the_callback()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"headers-{Guid.NewGuid():N}";
        var request = new TimerRequest(300, new CallbackTarget(fixture.Sink.UrlFor(id), "put")
        {
            Headers = new Dictionary<string, string> { ["X-Tenant"] = "acme", ["X-Api-Version"] = "2026-12-01" },
        }, "payload");

        await http.Client(follower).CreateAsync(request, id);
        // The same create again is the same timer; other headers under the id are another timer, refused.
        Assert.Equal(1, (await http.Client(otherFollower).CreateAsync(request, id)).Version);
        await Assert.ThrowsAsync<TimerConflictException>(() => http.Client(leader).CreateAsync(
            new TimerRequest(300, new CallbackTarget(fixture.Sink.UrlFor(id), "put") { Headers = new Dictionary<string, string> { ["X-Tenant"] = "other" } }, "payload"), id));

        foreach (var node in fixture.Cluster.Urls)
        {
            var shown = await http.GetAsync(node, id);
            Assert.NotNull(shown);
            Assert.Equal([new("X-Tenant", "acme"), new("X-Api-Version", "2026-12-01")], shown.Callback.Headers!.ToList());
        }

        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), Deadline);
        var delivery = Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == id);
        Assert.Equal("PUT", delivery.Method);
        Assert.Equal("acme", delivery.Headers["X-Tenant"]);
        Assert.Equal("2026-12-01", delivery.Headers["X-Api-Version"]);
        Assert.Equal(id, delivery.Headers["X-Timer-Id"]);
        Assert.Equal("payload", delivery.Body);
    }

    [Theory]
    [InlineData("{\"Host\":\"evil.example\"}", "may not set 'Host'")]
    [InlineData("{\"Idempotency-Key\":\"x\"}", "may not set 'Idempotency-Key'")]
    [InlineData("{\"Authorization\":\"Bearer stolen\"}", "unless the node allows credential headers")]
    [InlineData("{\"X-A\":\"line\\r\\nX-B: injected\"}", "printable ASCII")]
    [InlineData("{\"X-A\":1}", "must be a string, not a number")]
    [InlineData("[\"X-A\"]", "must be an object")]
    [InlineData("{\"X-A\":\"1\",\"x-a\":\"2\"}", "twice")]
    public async Task Headers_a_callback_must_not_carry_are_a_400_with_the_reason_and_nothing_is_created(string headers, string reason)
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"bad-headers-{Guid.NewGuid():N}";
        using var refused = await http.CreateAsync(follower, id,
            $"{{\"timeout\":60000,\"callback\":{{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"{fixture.Sink.UrlFor(id)}\",\"headers\":{headers}}}}}");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(reason, TimerApi.Reason(refused), StringComparison.Ordinal);
        Assert.Null(await http.GetAsync(follower, id));
    }

    [Fact]
    public async Task A_timer_without_headers_reads_back_as_Skyring_wrote_it()
    {
        var (leader, _, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"plain-{Guid.NewGuid():N}";
        await http.CreateOkAsync(leader, id, 600_000, fixture.Sink.UrlFor(id));
        using var answer = await http.GetAsync($"{leader}/timer/{id}");
        var json = await answer.Content.ReadAsStringAsync();
        Assert.DoesNotContain("headers", json, StringComparison.Ordinal);
        await http.Client(leader).CancelAsync(id);
    }
}

/// <summary>While a member reads no headers (a rolling upgrade), a timer with headers is refused where it enters.</summary>
public sealed class CallbackHeadersUpgradeGateTests
{
    [Fact]
    public async Task Headers_are_refused_501_through_every_node_until_every_member_reads_them()
    {
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LogLevel=3");
        var http = cluster.Http;
        await cluster.LeaderIndexAsync();
        foreach (var node in cluster.Urls)
        {
            var id = $"gated-{Guid.NewGuid():N}";
            using var refused = await http.CreateAsync(node, id,
                "{\"timeout\":600000,\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\",\"headers\":{\"X-A\":\"1\"}}}");
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            Assert.Contains("rolling upgrade", TimerApi.Reason(refused), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(node, id));

            // A due time needs level 3, which this cluster has.
            using var dueAt = await http.CreateAsync(node, $"{id}-due-at",
                "{\"dueAt\":\"2030-01-01T00:00:00Z\",\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}}");
            Assert.Equal(HttpStatusCode.Created, dueAt.StatusCode);
        }
    }
}

using System.Net;
using RaftTimers.Client;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Timers given an absolute due time (<c>dueAt</c>, docs/api.md) through a real 3-node cluster: due at the time given
/// whichever node took them, never early, once; years ahead; replaced and cancelled like any other.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class DueAtTests(ThreeNodeCluster fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Timers_given_a_due_time_through_a_follower_arrive_once_and_not_before_it()
    {
        var (_, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var prefix = $"due-{Guid.NewGuid():N}"[..16];
        var client = http.Client(follower);
        var dueAts = new Dictionary<string, DateTimeOffset>();

        // Given in another offset, and (raw, below) as Unix milliseconds: both name one instant, read the same everywhere.
        var first = DateTimeOffset.UtcNow.AddMilliseconds(1_500).ToOffset(TimeSpan.FromHours(-7));
        dueAts[$"{prefix}-rfc3339"] = Millis(first);
        await client.CreateAsync(TimerRequest.At(first, fixture.Sink.UrlFor($"{prefix}-rfc3339"), "at a time"), $"{prefix}-rfc3339");
        var second = Millis(DateTimeOffset.UtcNow.AddMilliseconds(1_200));
        dueAts[$"{prefix}-unix-ms"] = second;
        using (var created = await http.CreateAsync(otherFollower, $"{prefix}-unix-ms",
                   Body($"\"dueAt\":{second.ToUnixTimeMilliseconds()}", fixture.Sink.UrlFor($"{prefix}-unix-ms"))))
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode} {TimerApi.Reason(created)}");

        // One already past is due at once.
        var past = Millis(DateTimeOffset.UtcNow.AddHours(-1));
        dueAts[$"{prefix}-past"] = past;
        await client.CreateAsync(TimerRequest.At(past, fixture.Sink.UrlFor($"{prefix}-past")), $"{prefix}-past");

        foreach (var (id, dueAt) in dueAts)
        {
            var pending = await http.GetAsync(otherFollower, id);
            Assert.NotNull(pending);
            Assert.Equal(dueAt, pending.DueAt);
            Assert.Null(pending.Timeout);
        }

        await fixture.Sink.WaitUntilAsync(d => dueAts.Keys.All(id => d.Any(x => x.TimerId == id)), Deadline);
        var sentinel = $"{prefix}-sentinel";
        await http.CreateOkAsync(follower, sentinel, 300, fixture.Sink.UrlFor(sentinel));
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == sentinel), Deadline);

        foreach (var (id, dueAt) in dueAts)
        {
            var delivery = Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == id);
            Assert.True(delivery.ArrivedAt >= dueAt, $"{id} arrived {(dueAt - delivery.ArrivedAt).TotalMilliseconds} ms before its dueAt");
        }

        Assert.Equal("at a time", Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == $"{prefix}-rfc3339").Body);
    }

    [Fact]
    public async Task A_timer_years_ahead_waits_can_be_brought_forward_by_a_replace_and_its_retry_is_idempotent()
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"years-{Guid.NewGuid():N}";
        var client = http.Client(follower);
        var inThreeYears = Millis(DateTimeOffset.UtcNow.AddYears(3));
        var request = TimerRequest.At(inThreeYears, fixture.Sink.UrlFor(id), "far");

        await client.CreateAsync(request, id);
        // The same create again (a retry after a lost answer) is the same timer; another due time is another body.
        Assert.Equal(1, (await http.Client(leader).CreateAsync(request, id)).Version);
        await Assert.ThrowsAsync<TimerConflictException>(() => client.CreateAsync(TimerRequest.At(inThreeYears.AddMilliseconds(1), fixture.Sink.UrlFor(id), "far"), id));

        var held = await http.GetAsync(leader, id);
        Assert.Equal(("pending", inThreeYears), (held!.State, held.DueAt));

        var soon = Millis(DateTimeOffset.UtcNow.AddMilliseconds(800));
        await client.ReplaceAsync(id, TimerRequest.At(soon, fixture.Sink.UrlFor(id), "brought forward"), expectedVersion: 1);
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), Deadline);
        var delivery = Assert.Single(fixture.Sink.Deliveries, d => d.TimerId == id);
        Assert.Equal("brought forward", delivery.Body);
        Assert.True(delivery.ArrivedAt >= soon, $"arrived {(soon - delivery.ArrivedAt).TotalMilliseconds} ms before its dueAt");
        Assert.StartsWith($"{id}:2:", delivery.IdempotencyKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_far_timer_can_be_cancelled_from_any_node_and_never_fires()
    {
        var (leader, follower, otherFollower) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"far-cancel-{Guid.NewGuid():N}";
        await http.Client(follower).CreateAsync(TimerRequest.At(DateTimeOffset.UtcNow.AddDays(400), fixture.Sink.UrlFor(id)), id);
        await http.Client(otherFollower).CancelAsync(id);
        Assert.Equal("cancelled", (await http.GetAsync(leader, id))!.State);
    }

    [Theory]
    [InlineData("\"timeout\":1000,\"dueAt\":\"2030-01-01T00:00:00Z\"", "give one of timeout, dueAt and schedule")]
    [InlineData("\"dueAt\":\"2030-01-01T00:00:00\"", "RFC 3339")]
    [InlineData("\"dueAt\":1893456000", "seconds")]
    [InlineData("\"dueAt\":\"10000-01-01T00:00:00Z\"", "RFC 3339")]
    public async Task A_bad_due_time_is_a_400_with_a_reason_and_creates_nothing(string when, string reason)
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var http = fixture.Cluster.Http;
        var id = $"bad-due-{Guid.NewGuid():N}";
        using var answer = await http.CreateAsync(follower, id, Body(when, fixture.Sink.UrlFor(id)));
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(reason, TimerApi.Reason(answer), StringComparison.Ordinal);
        Assert.Null(await http.GetAsync(follower, id));
    }

    /// <summary>A create's body with <paramref name="when"/> (its timing fields) and an HTTP callback to <paramref name="uri"/>.</summary>
    private static string Body(string when, string uri)
        => "{" + when + ",\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"" + uri + "\"}}";

    /// <summary>The API keeps due times to the millisecond.</summary>
    private static DateTimeOffset Millis(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()).ToOffset(time.Offset);
}

/// <summary>
/// The rolling-upgrade gate: while a member publishes a log level below the one <c>dueAt</c> needs (an older build, or
/// <c>RaftTimers:Raft:LogLevel</c> kept low to allow a rollback), no node takes a <c>dueAt</c>; timeouts work as before.
/// </summary>
public sealed class DueAtUpgradeGateTests
{
    [Fact]
    public async Task A_due_time_is_refused_501_through_every_node_until_every_member_reads_it()
    {
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LogLevel=2");
        var http = cluster.Http;
        await cluster.LeaderIndexAsync();
        foreach (var node in cluster.Urls)
        {
            var id = $"gated-{Guid.NewGuid():N}";
            using var refused = await http.CreateAsync(node, id,
                "{\"dueAt\":\"2030-01-01T00:00:00Z\",\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}}");
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            Assert.Contains("rolling upgrade", TimerApi.Reason(refused), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(node, id));

            await http.CreateOkAsync(node, $"{id}-timeout", 600_000, "http://127.0.0.1:9/never");
        }
    }
}

using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Writes sent to a follower reach the leader over the forwarding channel (one connection, many writes per frame), on
/// a cluster of its own: elections take 5-8 s, so a paused leader stays the leader the follower knows for longer than
/// the 2-s request deadline, and a write the follower sent it has an unknown outcome, deterministically.
/// </summary>
public sealed partial class ForwardingTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private LocalCluster cluster = null!;

    public async Task InitializeAsync()
        => cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LowerElectionTimeoutMs=5000", "--RaftTimers:Raft:UpperElectionTimeoutMs=8000",
            "--RaftTimers:RequestTimeoutMs=2000");

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [GeneratedRegex(@"x-timer-id \(([A-Za-z0-9._~-]+)\)")]
    private static partial Regex NamedId();

    [Fact]
    public async Task Writes_through_a_follower_travel_the_forwarding_channel_and_are_answered_each_with_its_own_result()
    {
        var (leader, follower) = await RolesAsync();
        var before = await Scrape.FetchAsync(cluster.Http, follower);

        var bodies = Enumerable.Range(0, 40).Select(i => TimerApi.Body(3_600_000, $"http://127.0.0.1:9/cb/{i}", new { seq = i })).ToArray();
        var answers = await Task.WhenAll(bodies.Select(async body =>
        {
            using var response = await cluster.Http.CreateAsync(follower, null, body);
            return (response.StatusCode, Location: response.Headers.Location?.OriginalString, Reason: TimerApi.Reason(response));
        }));

        foreach (var (status, _, reason) in answers)
            Assert.True(status == HttpStatusCode.Created, $"{(int)status} {reason}");
        var ids = answers.Select(a => a.Location!["/timer/".Length..]).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        for (var i = 0; i < ids.Length; i++)
        {
            // Each answer names the timer made from its own request: the leader holds it with that request's data.
            var timer = await cluster.Http.GetAsync(leader, ids[i]);
            Assert.Equal(i, timer!.Data!.Value.GetProperty("seq").GetInt32());
        }

        // The exporter serves a scrape cached for a moment, so the counters are polled until they show the 40 writes.
        var after = await Poll.UntilAsync(() => Scrape.FetchAsync(cluster.Http, follower),
            s => s["rafttimers_forwarding_writes_total"] - before["rafttimers_forwarding_writes_total"] >= 40, Deadline,
            s => $"forwarded writes: {s["rafttimers_forwarding_writes_total"] - before["rafttimers_forwarding_writes_total"]}");
        Assert.Equal(40, after["rafttimers_forwarding_writes_total"] - before["rafttimers_forwarding_writes_total"]);
        Assert.InRange(after["rafttimers_forwarding_frames_total"] - before["rafttimers_forwarding_frames_total"], 1, 40);
    }

    [Fact]
    public async Task A_create_whose_leader_stopped_answering_gets_503_naming_its_id_and_the_retry_with_it_makes_one_timer()
    {
        var (leader, follower) = await RolesAsync();
        var leaderIndex = cluster.Urls.ToList().IndexOf(leader) + 1;
        await cluster.Http.CreateOkAsync(follower, $"warm-{Guid.NewGuid():N}", 3_600_000, "http://127.0.0.1:9/cb/warm");
        var marker = $"once-{Guid.NewGuid():N}";
        var body = TimerApi.Body(3_600_000, "http://127.0.0.1:9/cb/once", marker);

        string id;
        await cluster.PauseAsync(leaderIndex);
        try
        {
            using var unknown = await cluster.Http.CreateAsync(follower, null, body);
            var reason = TimerApi.Reason(unknown);
            Assert.True(unknown.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)unknown.StatusCode} {reason}");
            Assert.Contains("may or may not have happened", reason, StringComparison.Ordinal);
            Assert.NotNull(unknown.Headers.RetryAfter);
            var named = NamedId().Match(reason);
            Assert.True(named.Success, $"the 503 names no id: {reason}");
            id = named.Groups[1].Value;
            Assert.Equal(id, Assert.Single(unknown.Headers.GetValues("x-timer-id")));
            using var problem = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync());
            Assert.Equal(id, problem.RootElement.GetProperty("timerId").GetString());
        }
        finally
        {
            await cluster.ResumeAsync(leaderIndex);
        }

        await Poll.UntilAsync(async () =>
            {
                using var retry = await cluster.Http.CreateAsync(follower, id, body);
                return $"{(int)retry.StatusCode} {TimerApi.Reason(retry)}";
            },
            answer => answer.StartsWith("201", StringComparison.Ordinal), Deadline, answer => answer);

        var newLeader = cluster.Urls[await cluster.LeaderIndexAsync() - 1];
        var withMarker = (await cluster.Http.ListAllAsync(newLeader, "")).Where(t => t.Data?.ValueKind == JsonValueKind.String
                                                                 && t.Data.Value.GetString() == marker).ToList();
        Assert.Equal(id, Assert.Single(withMarker).Id);
    }

    private async Task<(string Leader, string Follower)> RolesAsync()
    {
        var leader = await cluster.LeaderIndexAsync();
        var follower = Enumerable.Range(1, cluster.Urls.Count).First(i => i != leader);
        return (cluster.Urls[leader - 1], cluster.Urls[follower - 1]);
    }
}

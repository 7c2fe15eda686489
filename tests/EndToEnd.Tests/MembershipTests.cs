using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Membership changes on real node processes, driven through <c>tools/cluster add/remove</c> and the admin API:
/// growing and shrinking under load, replacing a dead node, the admin token, and the refusals (409, 502, 503).
/// </summary>
public sealed class MembershipTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private sealed record Answer(HttpStatusCode Status, string Reason, string Body, string? Challenge)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private static async Task<Answer> AdminAsync(HttpClient http, HttpMethod method, string url, object? body = null, string? token = LocalCluster.AdminToken)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        return new Answer(response.StatusCode, TimerApi.Reason(response), await response.Content.ReadAsStringAsync(),
            response.Headers.WwwAuthenticate.FirstOrDefault()?.Scheme);
    }

    private static async Task<JsonElement> ClusterAsync(HttpClient http, string node) => await http.GetFromJsonAsync<JsonElement>($"{node}/cluster");

    private static async Task<List<string>> MemberAddressesAsync(HttpClient http, string node)
        => (await ClusterAsync(http, node)).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("raft").GetString()!).Order().ToList();

    /// <summary>Every one of <paramref name="nodes"/> lists exactly <paramref name="count"/> members, the same ones.</summary>
    private static async Task AssertMembersAgreeAsync(HttpClient http, IReadOnlyList<string> nodes, int count)
    {
        foreach (var node in nodes)
        {
            await Poll.UntilAsync(() => MemberAddressesAsync(http, node), m => m.Count == count, Deadline, m => $"{node} lists {string.Join(",", m)}");
        }

        var views = new List<List<string>>();
        foreach (var node in nodes)
            views.Add(await MemberAddressesAsync(http, node));
        Assert.All(views, v => Assert.Equal(views[0], v));
    }

    /// <summary>Every acknowledged timer reached the sink, and every member holds it delivered after exactly one fire decision, the same one.</summary>
    private static async Task AssertEachFiredOnceAsync(LocalCluster cluster, CallbackSink sink, IReadOnlyCollection<string> acknowledged, IReadOnlyList<string> members, string prefix)
    {
        await sink.WaitUntilAsync(d => acknowledged.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"not delivered: {string.Join(",", acknowledged.Where(id => sink.Deliveries.All(x => x.TimerId != id)).Take(20))}\n{cluster.LogTails()}");
        foreach (var group in sink.Deliveries.Where(d => d.TimerId.StartsWith(prefix, StringComparison.Ordinal)).GroupBy(d => d.TimerId))
            Assert.Single(group.Select(d => d.IdempotencyKey).Distinct(), k => k.StartsWith($"{group.Key}:1:", StringComparison.Ordinal));

        var decisions = new List<Dictionary<string, long>>();
        foreach (var node in members)
        {
            var timers = await Poll.UntilAsync(() => cluster.Http.ListAllAsync(node, prefix),
                list => acknowledged.All(id => list.Any(t => t.Id == id && t.State == "delivered")),
                Deadline, list => $"{node} holds {list.Count} timers, states {string.Join(",", list.GroupBy(t => t.State).Select(g => $"{g.Key}={g.Count()}"))}");
            Assert.All(timers.Where(t => t.State == "delivered"), t => Assert.Equal(1, t.FireCount));
            decisions.Add(timers.Where(t => acknowledged.Contains(t.Id))
                .ToDictionary(t => t.Id, t => t.FiredAtIndex));
        }

        Assert.All(decisions, d => Assert.Equal(decisions[0], d));
    }

    [Fact]
    public async Task Growing_3_to_5_and_shrinking_back_to_3_under_load_loses_no_timer_and_decides_each_fire_once()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, spareNodes: 2);
        var members = new List<int> { 1, 2, 3 };
        IReadOnlyList<string> Live()
        {
            lock (members)
                return members.Select(i => cluster.Urls[i - 1]).ToList();
        }

        var load = new SteadyLoad(cluster.Http, Live, sink.UrlFor, "gs", ratePerSecond: 25);
        await using (load)
        {
            async Task MoreAcknowledgedAsync(int more)
            {
                var target = load.Acknowledged.Count + more;
                await Poll.UntilAsync(() => Task.FromResult(load.Acknowledged.Count), n => n >= target, Deadline,
                    n => $"{n} creates acknowledged, waiting for {target}; unconfirmed: {string.Join("; ", load.Unconfirmed.Take(5))}");
            }

            await MoreAcknowledgedAsync(25);
            foreach (var _ in Enumerable.Range(0, 2))
            {
                var added = await cluster.AddAsync();
                lock (members)
                    members.Add(added);
                await MoreAcknowledgedAsync(25);
            }

            await AssertMembersAgreeAsync(cluster.Http, Live(), 5);
            foreach (var node in Live())
                Assert.Equal("member", (await ClusterAsync(cluster.Http, node)).GetProperty("membership").GetString());

            // Shrink: the leader first (it steps down and the next leader removes it), then another of the first three.
            var first = await cluster.LeaderIndexAsync();
            var second = new[] { 1, 2, 3 }.First(i => i != first);
            foreach (var removed in new[] { first, second })
            {
                lock (members)
                    members.Remove(removed);
                await cluster.RemoveAsync(removed);
                await MoreAcknowledgedAsync(25);
            }

            await load.StopAsync();
        }

        var live = Live();
        await AssertMembersAgreeAsync(cluster.Http, live, 3);
        Assert.True(load.Acknowledged.Count >= 125, $"{load.Acknowledged.Count} acknowledged");
        await AssertEachFiredOnceAsync(cluster, sink, load.Acknowledged, live, "gs-");
    }

    [Fact]
    public async Task A_dead_node_is_replaced_by_a_fresh_one_on_a_new_address_that_votes()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, spareNodes: 1);
        var http = cluster.Http;
        var ids = Enumerable.Range(0, 30).Select(i => $"rd-{i:D2}").ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await http.CreateOkAsync(cluster.Urls[i % 3], id, 20_000 + (i * 100), sink.UrlFor(id));

        var leader = await cluster.LeaderIndexAsync();
        var dead = (leader % 3) + 1;
        var deadRaft = (await ClusterAsync(http, cluster.Urls[dead - 1])).GetProperty("raft").GetString();
        await cluster.KillAsync(dead);
        await cluster.RemoveAsync(dead);
        var fresh = await cluster.AddAsync();
        Assert.Equal(4, fresh);
        var members = Enumerable.Range(1, 4).Where(i => i != dead).Select(i => cluster.Urls[i - 1]).ToList();
        await AssertMembersAgreeAsync(http, members, 3);
        Assert.DoesNotContain(deadRaft, await MemberAddressesAsync(http, members[0]));

        // The fresh node holds every timer, and it counts: with one more of the first nodes killed, the cluster still commits.
        var held = await Poll.UntilAsync(() => http.ListAllAsync(cluster.Urls[fresh - 1], "rd-"), l => l.Count == ids.Count, Deadline, l => $"the new node holds {l.Count}");
        Assert.All(held, t => Assert.Equal("pending", t.State));
        var leaderNow = await cluster.LeaderIndexAsync();
        var victim = new[] { 1, 2, 3 }.First(i => i != dead && i != leaderNow);
        await cluster.KillAsync(victim);
        var more = Enumerable.Range(0, 10).Select(i => $"rd-more-{i}").ToList();
        foreach (var id in more)
        {
            var response = await Poll.UntilAsync(async () => (await http.CreateAsync(cluster.Urls[fresh - 1], id, TimerApi.Body(1_000, sink.UrlFor(id)))).StatusCode,
                s => s == HttpStatusCode.Created, Deadline, s => $"create {id} via the new node: {s}");
            Assert.Equal(HttpStatusCode.Created, response);
        }

        var survivors = new[] { leaderNow, fresh }.Distinct().Select(i => cluster.Urls[i - 1]).ToList();
        await AssertEachFiredOnceAsync(cluster, sink, [.. ids, .. more], survivors, "rd-");
    }

    [Fact]
    public async Task Cluster_changes_need_the_admin_token_through_any_node()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[(leader % 3)];
        var leaderUrl = cluster.Urls[leader - 1];

        (HttpMethod Method, string Path, object? Body)[] changes =
        [
            (HttpMethod.Post, "/cluster/members", new { raft = "127.0.0.1:1", api = "http://127.0.0.1:1" }),
            (HttpMethod.Delete, "/cluster/members/no-such-node", null),
            (HttpMethod.Post, "/cluster/leader/transfer", null),
            (HttpMethod.Post, "/cluster/removed", null),
        ];
        foreach (var node in new[] { leaderUrl, follower })
        {
            foreach (var (method, path, body) in changes)
            {
                foreach (var token in new[] { null, "wrong-token", LocalCluster.AdminToken[..^1], LocalCluster.AdminToken + "x" })
                {
                    var answer = await AdminAsync(http, method, node + path, body, token);
                    Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{method} {path} via {node} with token '{token}': {answer.Status} {answer.Body}");
                    Assert.Equal("Bearer", answer.Challenge);
                    Assert.NotEmpty(answer.Reason);
                    Assert.DoesNotContain(LocalCluster.AdminToken, answer.Body, StringComparison.Ordinal);
                }
            }

            // The right token gets past the check to the change itself.
            var unreachable = await AdminAsync(http, HttpMethod.Post, node + "/cluster/members", new { raft = "127.0.0.1:1", api = "http://127.0.0.1:1" });
            Assert.True(unreachable.Status == HttpStatusCode.BadGateway, $"{unreachable.Status} {unreachable.Body}");
            var unknown = await AdminAsync(http, HttpMethod.Delete, node + "/cluster/members/no-such-node");
            Assert.True(unknown.Status == HttpStatusCode.NotFound, $"{unknown.Status} {unknown.Body}");
            var notAMember = await AdminAsync(http, HttpMethod.Delete, node + "/cluster/members/127.0.0.1:1");
            Assert.True(notAMember.Status == HttpStatusCode.OK && !notAMember.Json.GetProperty("changed").GetBoolean(), $"{notAMember.Status} {notAMember.Body}");
            var badBody = await AdminAsync(http, HttpMethod.Post, node + "/cluster/members", new { raft = "not-an-address", api = "http://127.0.0.1:1" });
            Assert.Equal(HttpStatusCode.BadRequest, badBody.Status);
            Assert.Contains("is not a Raft address: IP:port (IPv6 in brackets) or name:port", badBody.Reason, StringComparison.Ordinal);
            // A name is an address (docs/deploy.md): past the parsing, the leader asks that node who it is, and nobody answers there.
            var byName = await AdminAsync(http, HttpMethod.Post, node + "/cluster/members", new { raft = "timers-3.timers.invalid:1", api = "http://127.0.0.1:1" });
            Assert.True(byName.Status == HttpStatusCode.BadGateway, $"{byName.Status} {byName.Body}");
            var noApi = await AdminAsync(http, HttpMethod.Post, node + "/cluster/members", new { raft = "127.0.0.1:1" });
            Assert.Equal(HttpStatusCode.BadRequest, noApi.Status);
            Assert.Contains("api is required", noApi.Reason, StringComparison.Ordinal);
        }

        // Leadership transfer with the right token: another node leads afterwards, and every node agrees.
        var before = (await ClusterAsync(http, leaderUrl)).GetProperty("leader").GetProperty("raft").GetString();
        var transfer = await AdminAsync(http, HttpMethod.Post, follower + "/cluster/leader/transfer");
        Assert.True(transfer.Status == HttpStatusCode.OK, $"{transfer.Status} {transfer.Body}");
        var after = transfer.Json.GetProperty("leader").GetProperty("raft").GetString();
        Assert.NotEqual(before, after);
        foreach (var node in cluster.Urls)
            await Poll.UntilAsync(() => ClusterAsync(http, node), c => c.GetProperty("leader").ValueKind == JsonValueKind.Object && c.GetProperty("leader").GetProperty("raft").GetString() == after,
                Deadline, c => $"{node}: {c}");
        var named = await AdminAsync(http, HttpMethod.Post, follower + "/cluster/leader/transfer", new { to = "n1" });
        Assert.Equal(HttpStatusCode.BadRequest, named.Status);
    }

    [Fact]
    public async Task A_node_without_an_admin_token_refuses_every_cluster_change()
    {
        // The command line wins over the token the cluster tool puts in the environment: this node has none.
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:Security:AdminToken=");
        var answer = await AdminAsync(cluster.Http, HttpMethod.Post, cluster.Urls[0] + "/cluster/leader/transfer");
        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Contains("no admin token is configured", answer.Reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminAsync(cluster.Http, HttpMethod.Post, cluster.Urls[0] + "/cluster/members", new { raft = "127.0.0.1:1", api = "http://127.0.0.1:1" }, token: "")).Status);
    }

    [Fact]
    public async Task A_second_change_while_one_is_under_way_gets_409_and_a_cluster_without_a_leader_gets_503()
    {
        // A node that says it is waiting to join (its API answers GET /cluster so), but whose Raft port accepts
        // connections and never answers, keeps the first change trying to catch it up: DotNext's 10 warm-up rounds of
        // one Raft request timeout each (RaftTimers:Raft:RequestTimeoutMs, 2 s), ~20 s, so a second change meets it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                    held.Add(await silent.AcceptSocketAsync());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
        var silentAddress = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await using var silentApi = await JoiningNodeApi.StartAsync(silentAddress);
        await using var otherApi = await JoiningNodeApi.StartAsync("127.0.0.1:2");

        // The HTTP request deadline (2 s) bounds the wait for a leader in the last part.
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:RequestTimeoutMs=2000");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        var first = AdminAsync(http, HttpMethod.Post, cluster.Urls[leader - 1] + "/cluster/members", new { raft = silentAddress, api = silentApi.Url });

        var second = await Poll.UntilAsync(() => AdminAsync(http, HttpMethod.Post, follower + "/cluster/members", new { raft = "127.0.0.1:2", api = otherApi.Url }),
            a => a.Status == HttpStatusCode.Conflict || first.IsCompleted, Deadline, a => $"{a.Status} {a.Body}");
        // Both pass the identity check at about the same time, so either may take the membership lock first: one
        // is refused with 409 while the other is under way, and the other fails after the warm-up rounds with 502.
        var answers = new[] { await first, second };
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.Conflict && a.Reason.Contains("another membership change is under way", StringComparison.Ordinal)) == 1,
            string.Join(" | ", answers.Select(a => $"{a.Status} {a.Body}")));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.BadGateway && a.Reason.Contains("did not answer or did not catch up", StringComparison.Ordinal)) == 1,
            string.Join(" | ", answers.Select(a => $"{a.Status} {a.Body}")));
        await AssertMembersAgreeAsync(http, cluster.Urls, 3);
        silent.Stop();
        foreach (var socket in held)
            socket.Dispose();
        await accepting;

        // With both other nodes paused, no leader is reachable: 503 with Retry-After, not a hang or a 500.
        var lone = cluster.Urls[leader % 3];
        var others = Enumerable.Range(1, 3).Where(i => cluster.Urls[i - 1] != lone).ToList();
        foreach (var other in others)
            await cluster.PauseAsync(other);
        try
        {
            var noLeader = await Poll.UntilAsync(() => AdminAsync(http, HttpMethod.Delete, lone + "/cluster/members/n9"),
                a => a.Status == HttpStatusCode.ServiceUnavailable, Deadline, a => $"{a.Status} {a.Body}");
            Assert.NotEmpty(noLeader.Reason);
        }
        finally
        {
            foreach (var other in others)
                await cluster.ResumeAsync(other);
        }
    }

    [Fact]
    public async Task A_removed_node_is_told_says_so_and_serves_no_timers()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, spareNodes: 1);
        var http = cluster.Http;
        var added = await cluster.AddAsync();
        var url = cluster.Urls[added - 1];
        Assert.Equal("member", (await ClusterAsync(http, url)).GetProperty("membership").GetString());
        await http.CreateOkAsync(url, "rm-before", 60_000, sink.UrlFor("rm-before"));

        // Removed through the API by its node id, sent to another node; the node itself keeps running.
        var removal = await AdminAsync(http, HttpMethod.Delete, cluster.Urls[0] + $"/cluster/members/n{added}");
        Assert.True(removal.Status == HttpStatusCode.OK, $"{removal.Status} {removal.Body}");
        Assert.False(removal.Json.GetProperty("member").GetBoolean());
        Assert.True(removal.Json.GetProperty("notified").GetBoolean(), removal.Body);
        await AssertMembersAgreeAsync(http, cluster.Urls.Take(3).ToList(), 3);

        var self = await ClusterAsync(http, url);
        Assert.Equal("removed", self.GetProperty("membership").GetString());
        Assert.Equal("none", self.GetProperty("role").GetString());
        using (var create = await http.CreateAsync(url, "rm-after", TimerApi.Body(1_000, sink.UrlFor("rm-after"))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
            Assert.Contains("removed from the cluster", TimerApi.Reason(create), StringComparison.Ordinal);
        }

        using (var read = await http.GetAsync($"{url}/timer/rm-before"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        using (var ready = await http.GetAsync($"{url}/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("removed from the cluster", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("was removed from the cluster", await File.ReadAllTextAsync(cluster.NodeLog(added)), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cluster.NodeDataDirectory(added), "removed")), "the removal is recorded in the node's data directory");
        // The members still serve the timer the removed node took.
        Assert.Equal("pending", (await http.GetAsync(cluster.Urls[0], "rm-before"))?.State);
    }
}

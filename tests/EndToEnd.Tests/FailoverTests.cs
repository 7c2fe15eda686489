using System.Net.Http.Json;
using System.Text.Json;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>Crashes: kill -9 of the leader with timers pending, and of every node at once.</summary>
public sealed class FailoverTests
{
    [Fact]
    public async Task Killing_the_leader_with_200_pending_timers_loses_none_and_decides_each_fire_once()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();

        var ids = Enumerable.Range(0, 200).Select(i => $"lk-{i:D3}").ToList();
        var random = new Random(200);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
        {
            var node = cluster.Urls[random.Next(cluster.Urls.Count)];
            await http.CreateOkAsync(node, id, 1_500 + (int.Parse(id[3..]) * 15), sink.UrlFor(id));
        });

        await cluster.KillAsync(leader);

        await sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"missing: {string.Join(",", ids.Where(id => sink.Deliveries.All(x => x.TimerId != id)).Take(20))}\n{cluster.LogTails()}");

        // Any duplicate delivery (a crash between delivery and its recorded result) carries the same key.
        foreach (var group in sink.Deliveries.Where(d => ids.Contains(d.TimerId)).GroupBy(d => d.TimerId))
            Assert.Single(group.Select(d => d.IdempotencyKey).Distinct(), k => k.StartsWith($"{group.Key}:1:", StringComparison.Ordinal));

        // Every node, the killed one included once it is back, holds one fire decision per timer, the same one.
        await cluster.RestartAsync(leader);
        var decisions = new List<Dictionary<string, long>>();
        foreach (var node in cluster.Urls)
        {
            var timers = await Poll.UntilAsync(() => ListAsync(http, node, "lk-"),
                list => list.Count == ids.Count && list.All(t => t.GetProperty("state").GetString() == "delivered"),
                TimeSpan.FromSeconds(60),
                list => $"{node}: {list.Count} timers, states {string.Join(",", list.GroupBy(t => t.GetProperty("state").GetString()).Select(g => $"{g.Key}={g.Count()}"))}");
            Assert.All(timers, t => Assert.Equal(1, t.GetProperty("fireCount").GetInt32()));
            decisions.Add(timers.ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("firedAtIndex").GetInt64()));
        }

        Assert.All(decisions, d => Assert.Equal(decisions[0], d));
    }

    [Fact]
    public async Task Killing_every_node_at_once_keeps_every_acknowledged_timer()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;

        var ids = Enumerable.Range(0, 60).Select(i => $"ka-{i:D2}").ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await http.CreateOkAsync(cluster.Urls[i % 3], id, 6_000 + (i * 50), sink.UrlFor(id));

        for (var node = 1; node <= 3; node++)
            await cluster.KillAsync(node);

        await cluster.StartAgainAsync();
        await sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"missing: {string.Join(",", ids.Where(id => sink.Deliveries.All(x => x.TimerId != id)))}\n{cluster.LogTails()}");
        foreach (var group in sink.Deliveries.GroupBy(d => d.TimerId))
            Assert.Single(group.Select(d => d.IdempotencyKey).Distinct(), k => k.StartsWith($"{group.Key}:1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nodes_restart_from_snapshots_and_a_follower_that_missed_them_catches_up()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:SnapshotEveryEntries=10");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var lagging = leader % 3 + 1;
        // A due time needs every member to read it (log level 3). Asked while all three run, the leader learns their
        // levels and keeps what it learnt; asked first with the lagging one already dead, it could not know its level.
        await http.Client(cluster.Urls[leader - 1]).CreateAsync(TimerRequest.At(DateTimeOffset.UtcNow.AddHours(1), sink.UrlFor("warm")), "warm-up");
        await cluster.KillAsync(lagging);

        // One create per entry: sixty entries, so the leader and the remaining follower snapshot several times meanwhile.
        // Every other timer is given a due time rather than a timeout, so the snapshots are of the format that holds one.
        var ids = Enumerable.Range(0, 60).Select(i => $"sn-{i:D2}").ToList();
        var dueAts = new Dictionary<string, DateTimeOffset>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            if (i % 2 == 0)
            {
                await http.CreateOkAsync(cluster.Urls[leader - 1], id, 8_000 + (i * 50), sink.UrlFor(id));
                continue;
            }

            dueAts[id] = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 8_000 + (i * 50));
            await http.Client(cluster.Urls[leader - 1]).CreateAsync(TimerRequest.At(dueAts[id], sink.UrlFor(id)), id);
        }

        await cluster.RestartAsync(lagging);
        var caughtUp = await Poll.UntilAsync(() => ListAsync(http, cluster.Urls[lagging - 1], "sn-"), list => list.Count == ids.Count,
            TimeSpan.FromSeconds(60), list => $"the restarted follower holds {list.Count} of {ids.Count} timers");
        foreach (var timer in caughtUp.Where(t => dueAts.ContainsKey(t.GetProperty("id").GetString()!)))
        {
            Assert.Equal(dueAts[timer.GetProperty("id").GetString()!], timer.GetProperty("dueAt").GetDateTimeOffset());
            Assert.Equal(JsonValueKind.Null, timer.GetProperty("timeout").ValueKind);
        }

        for (var node = 1; node <= 3; node++)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(cluster.NodeDataDirectory(node), "snapshots")));
            await cluster.KillAsync(node);
        }

        await cluster.StartAgainAsync();
        await sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"missing: {string.Join(",", ids.Where(id => sink.Deliveries.All(x => x.TimerId != id)))}\n{cluster.LogTails()}");

        var decisions = new List<Dictionary<string, long>>();
        foreach (var node in cluster.Urls)
        {
            var timers = await Poll.UntilAsync(() => ListAsync(http, node, "sn-"),
                list => list.Count == ids.Count && list.All(t => t.GetProperty("state").GetString() == "delivered"),
                TimeSpan.FromSeconds(60), list => $"{node}: {list.Count} timers");
            Assert.All(timers, t => Assert.Equal(1, t.GetProperty("fireCount").GetInt32()));
            decisions.Add(timers.ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("firedAtIndex").GetInt64()));
        }

        Assert.All(decisions, d => Assert.Equal(decisions[0], d));
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient http, string node, string prefix)
    {
        try
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"{node}/timer?limit=1000");
            return page.GetProperty("timers").EnumerateArray().Where(t => t.GetProperty("id").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }
}

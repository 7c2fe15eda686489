using System.Net.Http.Json;
using System.Text.Json;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A leader's wall clock stepped an hour ahead while it runs (fault injection: each node reads an offset for its wall clock
/// from a file in its data directory; docs/clocks.md). It must not fire that hour of timers, must give up leading, and
/// the timers must still fire on time under the next leader; once its clock is put right it is trusted again.
/// </summary>
public sealed class ClockFaultTests
{
    private const long MaxSkewMs = 500;

    [Fact]
    public async Task A_leader_whose_clock_jumps_an_hour_ahead_steps_down_and_fires_nothing_early()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:FaultInjection:ClockFile=clock");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var leaderUrl = cluster.Urls[leader - 1];
        await Poll.UntilAsync(() => ClockAsync(http, leaderUrl), c => c.GetProperty("mayFire").GetBoolean(), TimeSpan.FromSeconds(30),
            c => $"the leader's clock was never confirmed: {c}");

        var ids = Enumerable.Range(0, 30).Select(i => $"cj-{i:D2}").ToList();
        var created = new Dictionary<string, (DateTimeOffset SentAt, long TimeoutMs)>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var timeoutMs = 4_000 + (i * 200L);
            created[id] = (await http.CreateOkAsync(cluster.Urls[i % 3], id, timeoutMs, sink.UrlFor(id)), timeoutMs);
        }

        await File.WriteAllTextAsync(Path.Combine(cluster.NodeDataDirectory(leader), "clock"), "3600000\n");

        // The others' clocks are an hour behind its own, and agree with each other: it is the outlier, and stops leading.
        var view = await Poll.UntilAsync(() => ClusterAsync(http, leaderUrl),
            c => c.GetProperty("clock").GetProperty("verdict").GetString() == "outlier" && c.GetProperty("role").GetString() != "leader",
            TimeSpan.FromSeconds(30), c => $"the stepped leader still says {c}\n{cluster.LogTails()}");
        Assert.True(view.GetProperty("clock").GetProperty("steps").GetInt64() >= 1);
        foreach (var member in view.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("status").GetString() != "self"))
        {
            var offset = member.GetProperty("clockOffsetMs").GetInt64();
            Assert.InRange(offset, -3_600_000 - 5_000, -3_600_000 + 5_000);
        }

        var others = Enumerable.Range(1, 3).Where(i => i != leader).ToList();
        await Poll.UntilAsync(() => RolesAsync(http, cluster, others), roles => roles.Contains("leader"), TimeSpan.FromSeconds(30),
            roles => $"no other node leads: {string.Join(",", roles)}\n{cluster.LogTails()}");

        await sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"missing: {string.Join(",", ids.Where(id => sink.Deliveries.All(x => x.TimerId != id)))}\n{cluster.LogTails()}");
        foreach (var delivery in sink.Deliveries.Where(d => created.ContainsKey(d.TimerId)))
        {
            var (sentAt, timeoutMs) = created[delivery.TimerId];
            var earlyMs = (sentAt.AddMilliseconds(timeoutMs) - delivery.ArrivedAt).TotalMilliseconds;
            Assert.True(earlyMs <= MaxSkewMs, $"{delivery.TimerId} arrived {earlyMs:F0} ms before it was due");
        }

        var metrics = await http.GetStringAsync($"{leaderUrl}/metrics");
        Assert.Contains("rafttimers_clock_offset", metrics, StringComparison.Ordinal);
        Assert.Contains("rafttimers_clock_outlier 1", metrics, StringComparison.Ordinal);

        // Its clock put right, the members confirm it again: it may lead and fire once more.
        await File.WriteAllTextAsync(Path.Combine(cluster.NodeDataDirectory(leader), "clock"), "0\n");
        await Poll.UntilAsync(() => ClockAsync(http, leaderUrl),
            c => c.GetProperty("verdict").GetString() == "agrees" && c.GetProperty("mayFire").GetBoolean() && c.GetProperty("correctionMs").GetInt64() == 0,
            TimeSpan.FromSeconds(30), c => $"the repaired clock is not trusted again: {c}\n{cluster.LogTails()}");
    }

    private static async Task<JsonElement> ClusterAsync(HttpClient http, string url) => await http.GetFromJsonAsync<JsonElement>($"{url}/cluster");

    private static async Task<JsonElement> ClockAsync(HttpClient http, string url) => (await ClusterAsync(http, url)).GetProperty("clock");

    private static async Task<List<string>> RolesAsync(HttpClient http, LocalCluster cluster, IEnumerable<int> nodes)
    {
        var roles = new List<string>();
        foreach (var node in nodes)
            roles.Add((await ClusterAsync(http, cluster.Urls[node - 1])).GetProperty("role").GetString() ?? "");
        return roles;
    }
}

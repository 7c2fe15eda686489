using System.Net;
using System.Text.Json;
using DotNext.Net.Cluster.Consensus.Raft;
using RaftTimers.Cluster.Membership;
using RaftTimers.Support;

namespace RaftTimers.Tests;

/// <summary>
/// A rogue process that can reach the members' Raft ports and knows their addresses, but holds no certificate of the
/// cluster: a DotNext leader of its own, with a term far ahead, that adds a member of the real cluster to its group,
/// which sends that member append-entries in its own term. Against plain TCP that takes the member over; against the
/// members' mutual TLS it cannot change the cluster's term, leader, log or membership.
/// </summary>
public sealed class RogueMemberTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private sealed record View(long Term, string? Leader, long Commit, int Members);

    private static async Task<View> ViewOf(HttpClient http, string url)
    {
        var json = (await http.Client(url).GetClusterAsync()).Json;
        return new View(json.GetProperty("term").GetInt64(),
            json.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.Object ? leader.GetProperty("raft").GetString() : null,
            json.GetProperty("commitIndex").GetInt64(),
            json.GetProperty("members").GetArrayLength());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rogue_leader_without_a_certificate_takes_over_a_plain_member_but_not_a_TLS_one(bool tls)
    {
        await using var cluster = tls ? await LocalCluster.StartAsync(3) : await LocalCluster.StartWithoutTlsAsync(3);
        var http = cluster.Http;
        await http.CreateOkAsync(cluster.Urls[0], "before-the-rogue", 600_000, "http://127.0.0.1:9/never");
        var before = await ViewOf(http, cluster.Urls[0]);
        var victimUrl = cluster.Urls.First(u => !(before.Leader ?? "").EndsWith(":" + RaftPortOf(cluster, u), StringComparison.Ordinal));
        var victim = IPEndPoint.Parse($"127.0.0.1:{RaftPortOf(cluster, victimUrl)}");

        // The rogue: a group of one on a port of its own, which elects itself in a term a thousand ahead.
        var roguePort = FreePorts.FindRun(1);
        var state = new ConsensusOnlyState();
        await ((IPersistentState)state).UpdateTermAsync(before.Term + 1_000, resetLastVote: true);
        var configuration = new RaftCluster.TcpConfiguration(new IPEndPoint(IPAddress.Loopback, roguePort))
        {
            ColdStart = true,
            ConfigurationStorage = new EndPointConfigurationStorage(Path.Combine(cluster.DataDirectory, "rogue-members")),
            LowerElectionTimeout = 150,
            UpperElectionTimeout = 300,
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        await using var rogue = new RaftCluster(configuration) { AuditTrail = state };
        await rogue.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(() => Task.FromResult(rogue.Leader?.IsRemote == false), self => self, Deadline, _ => "the rogue did not elect itself");

        // It adds the victim: catching it up sends it append-entries in the rogue's term.
        using (var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            try
            {
                await rogue.AddMemberAsync(victim, attempt.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException or TimeoutException)
            {
            }
        }

        var victimAfter = await ViewOf(http, victimUrl);
        if (!tls)
        {
            // The attack the Raft port is open to without TLS: the member took the rogue's term (and with it, its lead).
            Assert.True(victimAfter.Term >= before.Term + 1_000, $"plain TCP: the victim is at term {victimAfter.Term}, before {before.Term}");
            return;
        }

        // With TLS nothing of the cluster moved, and it goes on serving.
        foreach (var url in cluster.Urls)
        {
            var after = await ViewOf(http, url);
            Assert.True(after.Term == before.Term, $"{url}: term {after.Term}, before {before.Term}");
            Assert.Equal(before.Leader, after.Leader);
            Assert.Equal(3, after.Members);
        }

        Assert.NotNull(await http.GetAsync(victimUrl, "before-the-rogue"));
        await http.CreateOkAsync(victimUrl, "after-the-rogue", 600_000, "http://127.0.0.1:9/never");
    }

    private static int RaftPortOf(LocalCluster cluster, string url)
    {
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(cluster.DataDirectory, "cluster.json"))).RootElement;
        return json.GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("http").GetString() == url)
            .Select(n => IPEndPoint.Parse(n.GetProperty("raft").GetString()!).Port)
            .Single();
    }
}

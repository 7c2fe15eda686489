using System.Diagnostics;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// <c>rafttimers_raft_progress_stalled</c> on real node processes: 0 on every node of a healthy cluster, idle or busy;
/// 1 on a leader whose entries wait for a majority that is frozen; 0 again once the majority is back.
/// </summary>
public sealed class ProgressStalledTests
{
    private const string Stalled = "rafttimers_raft_progress_stalled";
    private static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_leader_whose_entries_cannot_reach_a_majority_reports_a_stall_until_the_majority_is_back()
    {
        await using var cluster = await LocalCluster.StartAsync(3, $"--RaftTimers:Metrics:StallAfterMs={StallAfter.TotalMilliseconds}");
        var leader = await cluster.LeaderIndexAsync();
        var leaderUrl = cluster.Urls[leader - 1];
        var followers = Enumerable.Range(1, 3).Where(i => i != leader).ToList();

        // Idle for longer than the threshold: the applied index stands still, but nothing waits.
        await ExpectNoStallForAsync(cluster, StallAfter * 2);

        // Busy: entries always wait for a moment, but the applied index keeps moving. The timers never fire during the test.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() => CreateUntilAsync(cluster.Http, leaderUrl, stop.Token));
        try
        {
            await ExpectNoStallForAsync(cluster, StallAfter * 2);

            // The creates in flight when both followers freeze are appended on the leader and never committed.
            foreach (var follower in followers)
                await cluster.PauseAsync(follower);
            try
            {
                await Poll.UntilAsync(() => Scrape.FetchAsync(cluster.Http, leaderUrl), s => s[Stalled] == 1, Deadline,
                    s => $"{leaderUrl}: stalled {s[Stalled]}, last log index {s["rafttimers_raft_last_log_index"]}, applied {s["rafttimers_raft_applied_index"]}");
            }
            finally
            {
                foreach (var follower in followers)
                    await cluster.ResumeAsync(follower);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        foreach (var node in cluster.Urls)
        {
            await Poll.UntilAsync(() => Scrape.FetchAsync(cluster.Http, node), s => s[Stalled] == 0, Deadline,
                s => $"{node}: stalled {s[Stalled]}, last log index {s["rafttimers_raft_last_log_index"]}, applied {s["rafttimers_raft_applied_index"]}");
        }
    }

    /// <summary>Watches every node for <paramref name="window"/>: none may report a stall at any scrape.</summary>
    private static async Task ExpectNoStallForAsync(LocalCluster cluster, TimeSpan window)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            foreach (var node in cluster.Urls)
            {
                var scrape = await Scrape.FetchAsync(cluster.Http, node);
                Assert.True(scrape[Stalled] == 0, $"{node} reports a stall after {clock.Elapsed.TotalSeconds:0.0} s of a healthy cluster "
                    + $"(last log index {scrape["rafttimers_raft_last_log_index"]}, applied {scrape["rafttimers_raft_applied_index"]})");
            }

            await Task.Delay(Poll.Interval * 4);
        }
    }

    /// <summary>Creates hour-long timers one after another until stopped; answers (503s included) do not matter here.</summary>
    private static async Task CreateUntilAsync(HttpClient http, string node, CancellationToken stop)
    {
        var body = TimerApi.Body(3_600_000, "http://127.0.0.1:9/never");
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.CreateAsync(node, null, body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }
    }
}

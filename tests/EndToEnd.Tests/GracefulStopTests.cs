namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A leader asked to stop (SIGTERM, as Kubernetes and systemd stop a process) hands its leadership to another member
/// before it exits (docs/deploy.md), and the successor goes on with its timers.
/// </summary>
public sealed class GracefulStopTests
{
    [Fact]
    public async Task A_leader_stopped_with_SIGTERM_hands_leadership_to_another_member_before_it_exits()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.LeaderIndexAsync();
        await cluster.Http.CreateOkAsync(cluster.Urls[leader - 1], "stop-1", 2_000, sink.UrlFor("stop-1"));

        await cluster.StopAsync(leader);

        // The stopped leader saw its successor elected, in a later term, while it still ran; that is who leads now.
        var log = File.ReadAllText(cluster.NodeLog(leader));
        var next = await cluster.LeaderIndexAsync();
        Assert.NotEqual(leader, next);
        Assert.Contains($"Stopping: handed leadership to n{next} ", log, StringComparison.Ordinal);
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == "stop-1"), TimeSpan.FromSeconds(60));
        Assert.Single(sink.Deliveries, d => d.TimerId == "stop-1" && d.AnsweredStatus == 200);
    }

    [Fact]
    public async Task A_follower_stopped_with_SIGTERM_leaves_the_leader_in_place()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.LeaderIndexAsync();
        var follower = leader % 3 + 1;

        await cluster.StopAsync(follower);

        Assert.DoesNotContain("Stopping: ", File.ReadAllText(cluster.NodeLog(follower)), StringComparison.Ordinal);
        Assert.Equal(leader, await cluster.LeaderIndexAsync());
    }
}

using System.Net;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Pause and resume (docs/api.md) through a real 3-node cluster: a timer paused through a follower does not fire
/// past its due time (a later timer's delivery shows the leader went past it), every node shows it paused, and once
/// resumed it fires; a pause is a repeatable write; finished timers are 404; a cluster with a member that reads no
/// pauses refuses them with 501.
/// </summary>
public sealed class PauseResumeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_timer_paused_through_a_follower_holds_past_its_due_time_and_fires_once_resumed()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var (follower, otherFollower) = (cluster.Urls[leader % 3], cluster.Urls[(leader + 1) % 3]);
        var id = $"paused-{Guid.NewGuid():N}"[..20];

        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromSeconds(2), sink.UrlFor(id)), id);
        var paused = await http.Client(otherFollower).PauseAsync(id);
        Assert.Equal(("paused", 1L), (paused.State, paused.Version));
        Assert.Equal("paused", (await http.Client(follower).PauseAsync(id)).State);

        // A timer due a second after the paused one: once it arrived, the leader had the paused one due and held it.
        var later = $"{id}-later";
        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromSeconds(3), sink.UrlFor(later)), later);
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == later), Deadline);
        Assert.DoesNotContain(sink.Deliveries, d => d.TimerId == id);
        foreach (var node in cluster.Urls)
            Assert.Equal(TimerStates.Paused, (await http.GetAsync(node, id))!.State);
        Assert.Contains((await http.ListAllAsync(follower, id)), t => t.Id == id && t.State == TimerStates.Paused);

        var resumed = await http.Client(follower).ResumeAsync(id);
        Assert.Equal("pending", resumed.State);
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), Deadline);
        await Poll.UntilAsync(() => http.GetAsync(otherFollower, id), t => t?.State == TimerStates.Delivered, Deadline, t => $"{t?.State}");

        // A finished timer takes neither.
        await Assert.ThrowsAsync<TimerNotFoundException>(() => http.Client(follower).PauseAsync(id));
        await Assert.ThrowsAsync<TimerNotFoundException>(() => http.Client(otherFollower).ResumeAsync(id));

        // Like every write with a body of its own, a pause must be declared JSON (no cross-site form can send one).
        using var form = new StringContent("", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var refused = await http.PostAsync($"{follower}/timer/{later}/pause", form);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
    }

    [Fact]
    public async Task Pauses_are_refused_501_until_every_member_reads_them()
    {
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LogLevel=5");
        var http = cluster.Http;
        await cluster.LeaderIndexAsync();
        var id = $"gated-{Guid.NewGuid():N}";
        await http.Client(cluster.Urls[0]).CreateAsync(TimerRequest.After(TimeSpan.FromMinutes(10), "http://127.0.0.1:9/never"), id);
        foreach (var node in cluster.Urls)
        {
            var e = await Assert.ThrowsAsync<ClusterUnavailableException>(() => http.Client(node).PauseAsync(id));
            Assert.Equal(HttpStatusCode.NotImplemented, e.Status);
            Assert.Contains("rolling upgrade", e.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(TimerStates.Pending, (await http.GetAsync(cluster.Urls[1], id))!.State);
    }
}

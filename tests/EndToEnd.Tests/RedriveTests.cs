using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Re-driving a failed timer (POST /timer/{id}/retry, docs/api.md) through a real 3-node cluster: a timer that failed
/// its only attempt is delivered once retried through a follower, under the same Idempotency-Key as the failed
/// attempt; a timer that is not failed is a 404.
/// </summary>
public sealed class RedriveTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failed_timer_retried_through_a_follower_is_delivered_under_the_same_key()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Delivery:MaxAttempts=1");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        var id = $"redrive-{Guid.NewGuid():N}"[..20];
        sink.FailNext(id, 1);

        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(200), sink.UrlFor(id), "once more"), id);
        var failed = await Poll.UntilAsync(() => http.GetAsync(follower, id), t => t?.State == TimerStates.Failed, Deadline, t => $"{t?.State}");
        await Assert.ThrowsAsync<TimerNotFoundException>(() => http.Client(follower).RetryAsync($"{id}-unknown"));

        var retried = await http.Client(cluster.Urls[(leader + 1) % 3]).RetryAsync(id);
        Assert.Equal(("firing", 1L), (retried.State, retried.Version));
        var delivered = await Poll.UntilAsync(() => http.GetAsync(follower, id), t => t?.State == TimerStates.Delivered, Deadline, t => $"{t?.State} {t?.LastError}");

        var attempts = sink.Deliveries.Where(d => d.TimerId == id).ToList();
        Assert.Equal([500, 200], attempts.Select(d => d.AnsweredStatus));
        Assert.Equal($"{id}:1:{failed!.FiredAtIndex}", Assert.Single(attempts.Select(d => d.IdempotencyKey).Distinct()));
        Assert.Equal((1, failed.FiredAtIndex), (delivered!.FireCount, delivered.FiredAtIndex));

        var again = await Assert.ThrowsAsync<TimerNotFoundException>(() => http.Client(follower).RetryAsync(id));
        Assert.Contains("no failed timer", again.Reason, StringComparison.Ordinal);
    }
}

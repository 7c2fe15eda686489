using System.Net;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Repeating timers (docs/api.md, "Schedules") through a real 3-node cluster: each firing arrives with its own
/// <c>Idempotency-Key</c> <c>{id}:{version}:{n}</c> until the count, also when the leader is killed mid-schedule; every
/// node shows the same schedule and firing; a cron expression in an IANA zone fires; bad schedules are 400s; a cluster
/// with a member that reads no schedules refuses them with 501.
/// </summary>
public sealed class ScheduleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static string[] Keys(CallbackSink sink, string id)
        => [.. sink.Deliveries.Where(d => d.TimerId == id && d.AnsweredStatus == 200).Select(d => d.IdempotencyKey).Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_schedule_given_through_a_follower_fires_count_times_each_with_its_own_key_and_goes_on_across_a_leader_kill()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        var id = $"every-{Guid.NewGuid():N}"[..20];

        var created = await http.Client(follower).CreateAsync(
            new TimerRequest(new Schedule { Every = 1_000, Count = 6 }, new CallbackTarget(sink.UrlFor(id)), "tick"), id);
        Assert.Equal(1, created.Version);
        foreach (var node in cluster.Urls)
        {
            var shown = await http.GetAsync(node, id);
            Assert.Equal((1_000L, 6, "fireOnce"), (shown!.Schedule!.Every!.Value, shown.Schedule.Count!.Value, shown.Schedule.Misfire));
            Assert.Null(shown.Timeout);
        }

        // After the second firing arrived, the leader is killed; the new leader goes on with the schedule from the log.
        await sink.WaitUntilAsync(d => Keys(sink, id).Length >= 2, Deadline, () => string.Join(", ", Keys(sink, id)));
        await cluster.KillAsync(leader);
        var survivor = cluster.Urls[leader % 3];
        await sink.WaitUntilAsync(d => Keys(sink, id).Length >= 6, Deadline, () => string.Join(", ", Keys(sink, id)));

        var ended = await Poll.UntilAsync(() => http.GetAsync(survivor, id), t => t?.State == TimerStates.Delivered, Deadline, t => $"{t?.State} occurrence {t?.Occurrence}");
        Assert.Equal(6, ended!.Occurrence);
        Assert.Equal(Enumerable.Range(1, 6).Select(n => $"{id}:1:{n}").Order(StringComparer.Ordinal), Keys(sink, id));
        Assert.All(sink.Deliveries.Where(d => d.TimerId == id), d => Assert.Equal("tick", d.Body));
    }

    [Fact]
    public async Task A_cron_schedule_in_a_zone_fires_and_bad_schedules_are_refused_with_the_reason()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var id = $"cron-{Guid.NewGuid():N}"[..20];

        await http.Client(cluster.Urls[1]).CreateAsync(
            new TimerRequest(new Schedule { Cron = "*/2 * * * * *", TimeZone = "Europe/Berlin", Count = 2, Misfire = "skip" }, new CallbackTarget(sink.UrlFor(id))), id);
        await sink.WaitUntilAsync(d => Keys(sink, id).Length >= 2, Deadline, () => string.Join(", ", Keys(sink, id)));
        Assert.Equal([$"{id}:1:1", $"{id}:1:2"], Keys(sink, id));
        var shown = await http.GetAsync(cluster.Urls[2], id);
        Assert.Equal(("*/2 * * * * *", "Europe/Berlin", "skip"), (shown!.Schedule!.Cron, shown.Schedule.TimeZone, shown.Schedule.Misfire));

        const string Callback = "\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}";
        (string Body, string Reason)[] refused =
        [
            ($$"""{"schedule":{"cron":"61 * * * *"},{{Callback}}}""", "is not a cron expression"),
            ($$"""{"schedule":{"cron":"0 9 * * *","timeZone":"Mars/Olympus"},{{Callback}}}""", "is not an IANA time zone"),
            ($$"""{"schedule":{"cron":"0 9 * * *","every":"1h"},{{Callback}}}""", "cron (a cron expression) or every (an interval), one of them"),
            ($$"""{"schedule":{"every":"500ms"},{{Callback}}}""", "must be at least 1000 ms"),
            ($$"""{"schedule":{"every":"soon"},{{Callback}}}""", "schedule.every must be a duration"),
            ($$"""{"schedule":{"every":"1h"},"timeout":1000,{{Callback}}}""", "give one of timeout, dueAt and schedule"),
            ($$"""{"schedule":{"every":"1h","count":0},{{Callback}}}""", "schedule.count must be a whole number"),
            ($$"""{"schedule":{"every":"1h","misfire":"later"},{{Callback}}}""", "schedule.misfire must be one of fireOnce, fireAll, skip"),
            ($$"""{"schedule":{"every":"1h","endAt":"2001-01-01T00:00:00Z"},{{Callback}}}""", "no occurrence ahead"),
            ($$"""{"schedule":{"cron":"0 0 30 2 *"},{{Callback}}}""", "no occurrence ahead"),
            ($$"""{"schedule":{"every":"1h","timeZone":"Europe/Berlin"},{{Callback}}}""", "timeZone goes with cron"),
        ];
        foreach (var (body, reason) in refused)
        {
            var badId = $"bad-{Guid.NewGuid():N}";
            using var answer = await http.CreateAsync(cluster.Urls[0], badId, body);
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)answer.StatusCode} {TimerApi.Reason(answer)}");
            Assert.Contains(reason, TimerApi.Reason(answer), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(cluster.Urls[0], badId));
        }
    }
}

/// <summary>While a member reads no schedules (a rolling upgrade), a repeating timer is refused where it enters.</summary>
public sealed class ScheduleUpgradeGateTests
{
    [Fact]
    public async Task Schedules_are_refused_501_through_every_node_until_every_member_reads_them()
    {
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LogLevel=4");
        var http = cluster.Http;
        await cluster.LeaderIndexAsync();
        foreach (var node in cluster.Urls)
        {
            var id = $"gated-{Guid.NewGuid():N}";
            using var refused = await http.CreateAsync(node, id,
                "{\"schedule\":{\"every\":\"1h\"},\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}}");
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            Assert.Contains("rolling upgrade", TimerApi.Reason(refused), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(node, id));

            // Headers need level 4, which this cluster has.
            using var headers = await http.CreateAsync(node, $"{id}-headers",
                "{\"timeout\":600000,\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\",\"headers\":{\"X-A\":\"1\"}}}");
            Assert.Equal(HttpStatusCode.Created, headers.StatusCode);
        }
    }
}

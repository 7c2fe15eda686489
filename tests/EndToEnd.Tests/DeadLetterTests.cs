using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Dead-letter notices (docs/api.md, "Dead letters") through a real 3-node cluster: a timer that ends failed sends its
/// notice to its dead-letter target, once delivered, under its own key, also when the leader that was sending it is
/// killed mid-attempt; a delivered timer sends none; bad targets are 400s; a member that reads no dead letters makes
/// them a 501.
/// </summary>
public sealed class DeadLetterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_failed_timers_notice_is_sent_under_its_own_key_and_a_new_leader_finishes_it_when_the_sender_is_killed()
    {
        var id = $"dead-{Guid.NewGuid():N}"[..20];
        var fine = $"{id}-ok";
        var firstNotice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var notices = 0;
        await using var sink = await CallbackSink.StartAsync(new CallbackSinkOptions
        {
            Answer = arrival =>
            {
                if (arrival.Path.StartsWith("/dead/", StringComparison.Ordinal))
                {
                    // The first notice is held until its sender dies; the next one is taken.
                    if (Interlocked.Increment(ref notices) > 1)
                        return CallbackAnswer.Ok;
                    firstNotice.TrySetResult();
                    return new CallbackAnswer(200, Delay: TimeSpan.FromMinutes(5));
                }

                return arrival.TimerId == id ? new CallbackAnswer(500) : CallbackAnswer.Ok;
            },
        });
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Delivery:MaxAttempts=2", "--RaftTimers:Delivery:InitialBackoffMs=100",
            "--RaftTimers:Delivery:AttemptTimeoutMs=60000");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        var target = new CallbackTarget($"{sink.BaseUrl}/dead/{id}");

        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(200), sink.UrlFor(id), new JsonObject { ["order"] = 42 }) with { DeadLetter = target }, id);
        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(200), sink.UrlFor(fine), "fine") with { DeadLetter = target }, fine);

        await firstNotice.Task.WaitAsync(Deadline);
        var pending = await http.GetAsync(follower, id);
        Assert.Equal((TimerStates.Failed, "pending"), (pending!.State, pending.DeadLetter!.State));
        await cluster.KillAsync(leader);

        var survivor = cluster.Urls[leader % 3];
        var done = await Poll.UntilAsync(() => http.GetAsync(survivor, id), t => t?.DeadLetter?.State == "delivered", Deadline,
            t => $"{t?.State} dead letter {t?.DeadLetter?.State} {t?.DeadLetter?.Attempts} {t?.DeadLetter?.LastError}");
        foreach (var node in cluster.Urls.Where((_, i) => i != leader - 1))
        {
            var shown = await Poll.UntilAsync(() => http.GetAsync(node, id), t => t?.DeadLetter?.State == "delivered", Deadline, t => $"{t?.DeadLetter?.State}");
            Assert.Equal((TimerStates.Failed, 2, 1, target.Uri, "post"), (shown!.State, shown.Attempts, shown.DeadLetter!.Attempts, shown.DeadLetter.Uri, shown.DeadLetter.Method));
        }

        // Both notice attempts carry the notice's key; the firing's key is in the body with what failed.
        // The held first attempt is recorded once its connection breaks with the killed leader.
        await sink.WaitUntilAsync(d => d.Count(x => x.Path == $"/dead/{id}") >= 2, Deadline);
        var sent = sink.Deliveries.Where(d => d.Path == $"/dead/{id}").ToList();
        Assert.Equal(2, sent.Count);
        Assert.Equal($"{id}:1:{done!.FiredAtIndex}:dead-letter:0", Assert.Single(sent.Select(d => d.IdempotencyKey).Distinct()));
        Assert.All(sent, d => Assert.Equal((id, "POST", "application/json"), (d.TimerId, d.Method, d.ContentType)));
        using var notice = JsonDocument.Parse(Assert.Single(sent, d => d.AnsweredStatus == 200).Body);
        var body = notice.RootElement;
        Assert.Equal(("timer.failed", id, 1, $"{id}:1:{done.FiredAtIndex}", 2, 0),
            (body.GetProperty("type").GetString(), body.GetProperty("id").GetString(), body.GetProperty("version").GetInt32(),
                body.GetProperty("idempotencyKey").GetString(), body.GetProperty("attempts").GetInt32(), body.GetProperty("run").GetInt32()));
        Assert.StartsWith("HTTP 500", body.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(sink.UrlFor(id), body.GetProperty("callback").GetProperty("uri").GetString());
        Assert.Equal(42, body.GetProperty("data").GetProperty("order").GetInt32());
        Assert.Equal(TimerApiProtocol.FormatTime(done.DueAt), body.GetProperty("dueAt").GetString());

        // The stream tells the failure and the notice's end, with the notice's attempt.
        using (var reading = new CancellationTokenSource(Deadline))
        {
            var told = new List<TimerLifecycleEvent>();
            await foreach (var e in http.Client(survivor).EventsAsync(new EventQuery(prefix: id, kinds: [TimerEventKinds.Failed, TimerEventKinds.DeadLettered], after: "0"), reading.Token))
            {
                told.Add(e);
                if (e.Kind == TimerEventKinds.DeadLettered)
                    break;
            }

            Assert.Equal([(TimerEventKinds.Failed, 2), (TimerEventKinds.DeadLettered, 1)], told.Where(e => e.TimerId == id).Select(e => (e.Kind, e.Attempt ?? 0)));
        }

        // A timer delivered at once owes no notice.
        var delivered = await Poll.UntilAsync(() => http.GetAsync(survivor, fine), t => t?.State == TimerStates.Delivered, Deadline, t => $"{t?.State}");
        Assert.Equal(("none", 0), (delivered!.DeadLetter!.State, delivered.DeadLetter.Attempts));
        Assert.DoesNotContain(sink.Deliveries, d => d.TimerId == fine && d.Path.StartsWith("/dead/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_redrive_while_the_notice_backs_off_fires_again_without_waiting_for_that_backoff()
    {
        var id = $"wake-{Guid.NewGuid():N}"[..20];
        var redriven = 0;
        await using var sink = await CallbackSink.StartAsync(new CallbackSinkOptions
        {
            // The firing fails until it is re-driven; the notice always fails, so it backs off 15 to 20 s between attempts.
            Answer = arrival => arrival.Path.StartsWith("/dead/", StringComparison.Ordinal) || Volatile.Read(ref redriven) == 0
                ? new CallbackAnswer(500)
                : CallbackAnswer.Ok,
        });
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Delivery:MaxAttempts=2", "--RaftTimers:Delivery:InitialBackoffMs=20000",
            "--RaftTimers:Delivery:MaxBackoffMs=20000");
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        await http.Client(follower).CreateAsync(TimerRequest.After(TimeSpan.FromMilliseconds(100), sink.UrlFor(id)) with
        {
            DeadLetter = new CallbackTarget($"{sink.BaseUrl}/dead/{id}"),
        }, id);

        await sink.WaitUntilAsync(d => d.Any(x => x.Path == $"/dead/{id}"), Deadline);
        Interlocked.Exchange(ref redriven, 1);
        var retried = System.Diagnostics.Stopwatch.StartNew();
        await http.Client(follower).RetryAsync(id);

        // The re-driven run goes out at once rather than after the notice's backoff (at least 15 s): half of it is the bound.
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id && x.Path == $"/hooks/{id}" && x.AnsweredStatus == 200), Deadline);
        Assert.True(retried.Elapsed < TimeSpan.FromSeconds(7.5), $"the re-driven callback came {retried.Elapsed} after the retry");
        var delivered = await Poll.UntilAsync(() => http.GetAsync(follower, id), t => t?.State == TimerStates.Delivered, Deadline, t => $"{t?.State}");
        Assert.Equal(("none", 1), (delivered!.DeadLetter!.State, sink.Deliveries.Count(d => d.Path == $"/dead/{id}")));
    }

    [Fact]
    public async Task Bad_dead_letter_targets_are_400s_naming_the_problem_and_create_nothing()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var leader = await cluster.LeaderIndexAsync();
        var follower = cluster.Urls[leader % 3];
        const string Callback = "\"timeout\":60000,\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}";
        (string DeadLetter, string Reason)[] refused =
        [
            ("\"http://127.0.0.1:9/dead\"", "deadLetter must be an object"),
            ("{}", "deadLetter.uri is required"),
            ("{\"uri\":\"ftp://127.0.0.1/dead\"}", "deadLetter.uri of transport http must be"),
            ("{\"uri\":\"http://127.0.0.1:9/dead\",\"method\":\"get\"}", "unsupported deadLetter method 'get'"),
            ("{\"uri\":\"http://127.0.0.1:9/dead\",\"transport\":\"pigeon\"}", "unknown deadLetter transport 'pigeon'"),
            ("{\"uri\":\"http://127.0.0.1:9/dead\",\"method\":7}", "deadLetter.method must be a string"),
        ];
        foreach (var (deadLetter, reason) in refused)
        {
            var id = $"bad-{Guid.NewGuid():N}";
            using var answer = await http.CreateAsync(follower, id, $"{{{Callback},\"deadLetter\":{deadLetter}}}");
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{deadLetter}: {(int)answer.StatusCode} {TimerApi.Reason(answer)}");
            Assert.Contains(reason, TimerApi.Reason(answer), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(follower, id));
        }

        // The target is part of the timer: the same create with another target is a conflict, with the same one a retry.
        var same = $"same-{Guid.NewGuid():N}";
        var body = $"{{{Callback},\"deadLetter\":{{\"uri\":\"http://127.0.0.1:9/dead\"}}}}";
        using (var first = await http.CreateAsync(follower, same, body))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using (var again = await http.CreateAsync(cluster.Urls[(leader + 1) % 3], same, body))
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        using (var other = await http.CreateAsync(follower, same, body.Replace("/dead", "/other", StringComparison.Ordinal)))
            Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        var shown = await http.GetAsync(cluster.Urls[leader - 1], same);
        Assert.Equal(("http", "post", "http://127.0.0.1:9/dead", "none"), (shown!.DeadLetter!.Transport, shown.DeadLetter.Method, shown.DeadLetter.Uri, shown.DeadLetter.State));
    }

    [Fact]
    public async Task Dead_letters_are_refused_501_through_every_node_until_every_member_reads_them()
    {
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:Raft:LogLevel=6");
        var http = cluster.Http;
        await cluster.LeaderIndexAsync();
        foreach (var node in cluster.Urls)
        {
            var id = $"gated-{Guid.NewGuid():N}";
            using var refused = await http.CreateAsync(node, id,
                "{\"timeout\":60000,\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"},\"deadLetter\":{\"uri\":\"http://127.0.0.1:9/dead\"}}");
            Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
            Assert.Contains("rolling upgrade", TimerApi.Reason(refused), StringComparison.Ordinal);
            Assert.Null(await http.GetAsync(node, id));

            // A schedule needs level 5, which this cluster has.
            using var schedule = await http.CreateAsync(node, $"{id}-every",
                "{\"schedule\":{\"every\":\"1h\"},\"callback\":{\"transport\":\"http\",\"method\":\"post\",\"uri\":\"http://127.0.0.1:9/never\"}}");
            Assert.Equal(HttpStatusCode.Created, schedule.StatusCode);
        }
    }
}

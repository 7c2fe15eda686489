using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// The limits that answer 429 and 507 (413 and the id length are in <see cref="BadInputTests"/>), on real
/// node processes started with tiny limits, and the promise that a refused write did not happen.
/// </summary>
public sealed class LimitsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A create body the test releases when it chooses. Until then it trickles leading spaces (valid JSON
    /// whitespace) fast enough for Kestrel's minimum request body data rate, so the request stays in flight
    /// for as long as the test needs (within the node's body deadline).
    /// </summary>
    private sealed class HeldBody(string json, Task release) : HttpContent
    {
        private const int MaxPadding = 32 * 1024;
        private readonly TaskCompletionSource[] flushed = [.. Enumerable.Range(0, 8).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

        /// <summary>Completes once <paramref name="count"/> (1 to 8) pieces of padding have been flushed to the node.</summary>
        public Task Flushed(int count) => flushed[count - 1].Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var padding = Encoding.ASCII.GetBytes(new string(' ', 64));
            var pieces = 0;
            for (var sent = 0; !release.IsCompleted && sent < MaxPadding; sent += padding.Length)
            {
                await stream.WriteAsync(padding);
                await stream.FlushAsync();
                if (pieces < flushed.Length)
                    flushed[pieces++].TrySetResult();
                await Task.WhenAny(release, Task.Delay(50));
            }

            await release;
            await stream.WriteAsync(Encoding.UTF8.GetBytes(json));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static async Task<(HttpStatusCode Status, string Reason, string? RetryAfter)> CreateAsync(HttpClient http, string node, string id, string hook)
    {
        using var response = await http.CreateAsync(node, id, TimerApi.Body(600_000, hook));
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(429, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        }

        return (response.StatusCode, TimerApi.Reason(response), response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Writes_beyond_the_in_flight_limit_get_429_and_never_happen_and_a_body_still_arriving_holds_no_slot()
    {
        // A forwarded write waits for its leader up to the request deadline: long enough to probe the slot it holds.
        await using var cluster = await LocalCluster.StartAsync(3, "--RaftTimers:MaxInFlightWrites=1", "--RaftTimers:RequestTimeoutMs=20000");
        var http = cluster.Http;
        var leaderIndex = await cluster.LeaderIndexAsync();
        var leader = cluster.Urls[leaderIndex - 1];
        var followerIndex = leaderIndex % 3 + 1;
        var follower = cluster.Urls[followerIndex - 1];
        var prefix = $"inflight-{Guid.NewGuid():N}"[..21];
        var created = new List<string>();
        var refused = new List<string>();

        var existing = $"{prefix}-existing";
        await http.CreateOkAsync(leader, existing, 600_000, "http://127.0.0.1:9/never");
        created.Add(existing);

        // A create whose body is still arriving holds no slot: while one trickles in, creates on the same node go through.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var trickling = new HeldBody(TimerApi.Body(600_000, "http://127.0.0.1:9/never"), release.Task);
        var held = $"{prefix}-held";
        using var heldRequest = new HttpRequestMessage(HttpMethod.Post, $"{leader}/timer") { Content = trickling };
        heldRequest.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        heldRequest.Headers.Add("x-timer-id", held);
        var heldResponse = http.SendAsync(heldRequest);
        try
        {
            // The headers went out before the first padding: by the fourth flush the node is reading the body.
            await trickling.Flushed(4).WaitAsync(Deadline);
            for (var i = 0; i < 3; i++)
            {
                var id = $"{prefix}-beside-{i}";
                var answer = await CreateAsync(http, leader, id, "http://127.0.0.1:9/never");
                Assert.True(answer.Status == HttpStatusCode.Created, $"beside a trickling body: {(int)answer.Status} {answer.Reason}");
                created.Add(id);
            }
        }
        finally
        {
            release.TrySetResult();
        }

        using (var heldAnswer = await heldResponse)
            Assert.True(heldAnswer.StatusCode == HttpStatusCode.Created, $"trickled create: {(int)heldAnswer.StatusCode} {TimerApi.Reason(heldAnswer)}");
        created.Add(held);

        // A write a follower forwarded to a leader that stopped answering holds the follower's only slot until its
        // deadline. The follower forwards once first, so that its forwarding connection is open before the leader stops.
        var warm = $"{prefix}-warm";
        await http.CreateOkAsync(follower, warm, 600_000, "http://127.0.0.1:9/never");
        created.Add(warm);
        var waiting = new List<Task<(HttpStatusCode Status, string Reason, string? RetryAfter)>>();
        await cluster.PauseAsync(leaderIndex);
        try
        {
            waiting.Add(CreateAsync(http, follower, $"{prefix}-waiting", "http://127.0.0.1:9/never"));
            var probe = 0;
            var first = await Poll.UntilAsync(async () =>
                {
                    // The first probe may reach the slot before the create above does; it then waits in its place.
                    var id = $"{prefix}-probe-{probe++}";
                    var answer = CreateAsync(http, follower, id, "http://127.0.0.1:9/never");
                    if (await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(2))) != answer)
                    {
                        waiting.Add(answer);
                        return default;
                    }

                    if ((await answer).Status == HttpStatusCode.TooManyRequests)
                        refused.Add(id);
                    return await answer;
                },
                a => a.Status == HttpStatusCode.TooManyRequests, Deadline, a => $"{(int)a.Status} {a.Reason}");
            Assert.Contains("limit of 1 timer writes at once", first.Reason, StringComparison.Ordinal);
            Assert.Equal("1", first.RetryAfter);

            // Cancels count as writes; reads are not limited (a read may find no leader yet, but is never a 429).
            using (var cancel = await http.DeleteAsync($"{follower}/timer/{existing}"))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, cancel.StatusCode);
                Assert.NotNull(cancel.Headers.RetryAfter);
            }

            using (var read = await http.GetAsync($"{follower}/timer/{existing}"))
                Assert.NotEqual(HttpStatusCode.TooManyRequests, read.StatusCode);
        }
        finally
        {
            await cluster.ResumeAsync(leaderIndex);
        }

        // The creates that waited end with whatever the node said: 201 (it happened), 503 (it may have) or 429 (a probe
        // had the slot first); they are left out of the checks below.
        foreach (var answer in waiting)
        {
            var waited = await answer;
            Assert.True(waited.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests,
                $"a waiting create: {(int)waited.Status} {waited.Reason}");
        }

        // Bursts with nothing held, through the leader and a follower (whose own 429 and the leader's, passed back, read
        // alike): every create either succeeds or is refused with 429, nothing else.
        leader = cluster.Urls[await cluster.LeaderIndexAsync() - 1];
        follower = cluster.Urls.First(u => u != leader);
        var burst = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            var id = $"{prefix}-burst-{i}";
            var answer = await CreateAsync(http, i % 2 == 0 ? leader : follower, id, "http://127.0.0.1:9/never");
            return (id, answer);
        }));
        foreach (var (id, answer) in burst)
        {
            Assert.True(answer.Status is HttpStatusCode.Created or HttpStatusCode.TooManyRequests, $"{id}: {(int)answer.Status} {answer.Reason}");
            if (answer.Status == HttpStatusCode.TooManyRequests)
                Assert.Contains("limit of 1 timer writes", answer.Reason, StringComparison.Ordinal);
            (answer.Status == HttpStatusCode.Created ? created : refused).Add(id);
        }

        // No lost write and no refused write that happened anyway, read back through another node.
        foreach (var id in created)
            Assert.True(await http.GetAsync(follower, id) is not null, $"acknowledged create {id} is missing");
        foreach (var id in refused)
            Assert.True(await http.GetAsync(follower, id) is null, $"create {id} was refused with 429 but exists");
    }

    [Fact]
    public async Task A_body_that_does_not_arrive_within_the_body_deadline_gets_408_and_creates_nothing()
    {
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:BodyTimeoutMs=1000");
        var node = new Uri(cluster.Urls[0]);
        var id = $"slow-body-{Guid.NewGuid():N}";

        // Headers and the first byte of a 200-byte body, then nothing: the node must answer rather than wait.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(node.Host, node.Port);
        var stream = client.GetStream();
        var head = $"POST /timer HTTP/1.1\r\nHost: {node.Authority}\r\nContent-Type: application/json\r\nContent-Length: 200\r\nx-timer-id: {id}\r\n\r\n{{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(Deadline);
        Assert.StartsWith("HTTP/1.1 408", statusLine, StringComparison.Ordinal);
        string? line;
        var reason = "";
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
        {
            if (line.StartsWith("x-skyring-reason:", StringComparison.OrdinalIgnoreCase))
                reason = line;
        }

        Assert.Contains("RaftTimers:BodyTimeoutMs", reason, StringComparison.Ordinal);
        Assert.Null(await cluster.Http.GetAsync(cluster.Urls[0], id));
    }

    [Fact]
    public async Task Connections_beyond_the_connection_limit_are_not_served_until_one_closes()
    {
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:MaxConnections=16");
        var node = new Uri(cluster.Urls[0]);
        var held = new List<System.Net.Sockets.TcpClient>();
        try
        {
            // Sixteen clients that were each served once and keep their connection open, as a client between requests
            // or one sending a body slowly would. Served first, so that each is known to hold its place: Kestrel counts
            // a connection when it starts handling it, after the accept, and a connection merely opened could still be
            // behind the probe below.
            for (var i = 0; i < 16; i++)
            {
                var idle = new System.Net.Sockets.TcpClient();
                await idle.ConnectAsync(node.Host, node.Port);
                held.Add(idle);
                var stream = idle.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ping HTTP/1.1\r\nHost: {node.Authority}\r\n\r\n"));
                var status = new byte[12];
                await stream.ReadExactlyAsync(status).AsTask().WaitAsync(Deadline);
                Assert.Equal("HTTP/1.1 200", Encoding.ASCII.GetString(status));
            }

            Assert.Null(await PingAsync(node));

            held[0].Dispose();
            held.RemoveAt(0);
            var answer = await Poll.UntilAsync(() => PingAsync(node), a => a is not null, Deadline, _ => "no connection was served after one closed");
            Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var idle in held)
                idle.Dispose();
        }
    }

    /// <summary>GET /ping on a connection of its own: the status line, or null when the node closed the connection unserved.</summary>
    private static async Task<string?> PingAsync(Uri node)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(node.Host, node.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ping HTTP/1.1\r\nHost: {node.Authority}\r\nConnection: close\r\n\r\n"));
            using var reader = new StreamReader(stream, Encoding.ASCII);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await reader.ReadLineAsync(timeout.Token);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_list_page_is_bounded_in_bytes_and_in_timers_looked_at_and_paging_on_still_finds_everything()
    {
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:ListMaxBytes=8192", "--RaftTimers:ListScanBudget=100");
        var http = cluster.Http;
        var node = cluster.Urls[0];
        var prefix = $"list-{Guid.NewGuid():N}"[..13];
        var big = new string('b', 3000);
        for (var i = 0; i < 6; i++)
            await http.CreateOkAsync(node, $"{prefix}-big-{i}", 600_000, "http://127.0.0.1:9/never", big);
        for (var i = 0; i < 250; i++)
            await http.CreateOkAsync(node, $"{prefix}-small-{i:000}", 600_000, "http://127.0.0.1:9/never");
        var cancelled = $"{prefix}-small-249";
        using (var cancel = await http.DeleteAsync($"{node}/timer/{cancelled}"))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        // Three 3 KB timers would pass 8 KB: a page of 1,000 carries two, and says where to go on.
        var first = await http.GetFromJsonAsync<JsonElement>($"{node}/timer?limit=1000");
        Assert.Equal(2, first.GetProperty("timers").GetArrayLength());
        Assert.Equal($"{prefix}-big-1", first.GetProperty("next").GetString());

        // Looking for the one cancelled timer among 256 looks at 100 per page: short, even empty, pages with a next.
        var pages = 0;
        var found = new List<string>();
        string? after = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"{node}/timer?state=cancelled&limit=1000{(after is null ? "" : "&after=" + after)}");
            found.AddRange(page.GetProperty("timers").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            after = page.GetProperty("next").GetString();
            pages++;
        }
        while (after is not null && pages < 100);
        Assert.Equal([cancelled], found);
        Assert.True(pages >= 3, $"{pages} pages: the scan budget did not cut the pages short");

        // The client library pages over it all the same.
        Assert.Equal(256, (await http.ListAllAsync(node, prefix)).Count);
    }

    [Fact]
    public async Task Creates_beyond_the_pending_timer_limit_get_507_until_a_timer_stops_pending()
    {
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:MaxPendingTimers=3");
        var http = cluster.Http;
        var node = cluster.Urls[0];
        var prefix = $"pending-{Guid.NewGuid():N}"[..20];
        for (var i = 0; i < 3; i++)
            await http.CreateOkAsync(node, $"{prefix}-{i}", 600_000, "http://127.0.0.1:9/never");

        using (var full = await http.CreateAsync(node, $"{prefix}-over", TimerApi.Body(600_000, "http://127.0.0.1:9/never")))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
            Assert.Contains("limit of 3 pending timers", TimerApi.Reason(full), StringComparison.Ordinal);
            Assert.Equal(507, (await full.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
        }

        Assert.Null(await http.GetAsync(node, $"{prefix}-over"));

        // At the limit, a retry of a create that went through is still answered as the first time (201, idempotent),
        // and a different body for that id is still the conflict it always is: neither adds a pending timer.
        await http.CreateOkAsync(node, $"{prefix}-1", 600_000, "http://127.0.0.1:9/never");
        using (var conflict = await http.CreateAsync(node, $"{prefix}-1", TimerApi.Body(5_000, "http://127.0.0.1:9/never")))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        using (var cancel = await http.DeleteAsync($"{node}/timer/{prefix}-0"))
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await http.CreateOkAsync(node, $"{prefix}-over", 600_000, "http://127.0.0.1:9/never");
    }

    [Fact]
    public async Task Creates_beyond_the_pending_byte_limit_get_507_and_a_smaller_replace_or_a_cancel_makes_room()
    {
        // Id (20 characters), the callback URI (24) and 400 bytes of data: 444 bytes a timer, two fit in 1,000.
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:MaxPendingBytes=1000");
        var http = cluster.Http;
        var node = cluster.Urls[0];
        var prefix = $"bytes-{Guid.NewGuid():N}"[..18];
        const string Hook = "http://127.0.0.1:9/never";
        var data = new string('d', 400);
        await http.CreateOkAsync(node, $"{prefix}-0", 600_000, Hook, data);
        await http.CreateOkAsync(node, $"{prefix}-1", 600_000, Hook, data);

        using (var full = await http.CreateAsync(node, $"{prefix}-2", TimerApi.Body(600_000, Hook, data)))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, full.StatusCode);
            Assert.Contains("limit of 1000 bytes of pending timers", TimerApi.Reason(full), StringComparison.Ordinal);
        }

        Assert.Null(await http.GetAsync(node, $"{prefix}-2"));

        // A timer with no data (44 bytes) still fits; and a replace that makes a timer smaller is never refused.
        await http.CreateOkAsync(node, $"{prefix}-3", 600_000, Hook);
        using (var smaller = await http.PutAsync($"{node}/timer/{prefix}-0", new StringContent(TimerApi.Body(600_000, Hook, "x"), Encoding.UTF8, "application/json")))
            Assert.True(smaller.IsSuccessStatusCode, $"replace: {(int)smaller.StatusCode} {TimerApi.Reason(smaller)}");
        await http.CreateOkAsync(node, $"{prefix}-2", 600_000, Hook, data);
    }

    [Fact]
    public async Task Finished_timers_beyond_their_bound_are_purged_oldest_first_in_slices_without_any_507()
    {
        // Finished timers are kept for a day by default; a bound of 20 keeps only the 20 newest, purged 7 per entry.
        await using var cluster = await LocalCluster.StartAsync(3,
            "--RaftTimers:Retention:MaxFinishedTimers=20", "--RaftTimers:Retention:PurgeSliceTimers=7",
            "--RaftTimers:Retention:PurgeIntervalMs=500", "--RaftTimers:MaxPendingTimers=30");
        var http = cluster.Http;
        var prefix = $"fin-{Guid.NewGuid():N}"[..16];
        const string Hook = "http://127.0.0.1:9/never";

        // 60 timers created and cancelled one after another, spread over the nodes: more finished timers than the
        // pending limit, which they must not count against.
        var ids = Enumerable.Range(0, 60).Select(i => $"{prefix}-{i:D2}").ToList();
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            var node = cluster.Urls[n % 3];
            await http.CreateOkAsync(node, id, 600_000, Hook);
            using var cancel = await http.DeleteAsync($"{node}/timer/{id}");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        // Oldest first: the 20 cancelled last stay, on every node alike.
        var expected = ids.TakeLast(20).ToList();
        foreach (var node in cluster.Urls)
        {
            var kept = await Poll.UntilAsync(
                async () => (List<string>)[.. (await http.ListAllAsync(node, prefix)).Select(t => t.Id).Order(StringComparer.Ordinal)],
                k => k.Count <= 20, Deadline, k => $"{node} still keeps {k.Count} finished timers");
            Assert.Equal(expected, kept);
        }
    }

    [Fact]
    public async Task A_timer_created_again_under_a_purged_id_is_delivered_with_a_new_idempotency_key()
    {
        // No finished timer is kept: a delivered timer is purged as soon as the leader sees it, and its id is free again.
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:Retention:MaxFinishedTimers=0", "--RaftTimers:Retention:PurgeIntervalMs=200");
        var http = cluster.Http;
        var node = cluster.Urls[0];
        var id = $"again-{Guid.NewGuid():N}"[..20];

        await http.CreateOkAsync(node, id, 50, sink.UrlFor(id));
        await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200), Deadline);
        await Poll.UntilAsync(() => http.GetAsync(node, id), timer => timer is null, Deadline, _ => $"{id} was not purged");

        await http.CreateOkAsync(node, id, 50, sink.UrlFor(id));
        await sink.WaitUntilAsync(d => d.Count(x => x.TimerId == id && x.AnsweredStatus == 200) >= 2, Deadline);

        // Both are version 1 of the same id: a receiver deduplicating on the key must not drop the second.
        var keys = sink.Deliveries.Where(d => d.TimerId == id).Select(d => d.IdempotencyKey).Distinct().ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.StartsWith($"{id}:1:", k, StringComparison.Ordinal));
    }
}

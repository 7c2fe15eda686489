using System.Text.Json;
using RaftTimers.EndToEnd.Tests.Infrastructure;
using static RaftTimers.EndToEnd.Tests.Infrastructure.CliProcess;

namespace RaftTimers.EndToEnd.Tests.Cli;

/// <summary>
/// The command-line client (tools/Cli, run as the built timers.dll) against the shared 3-node cluster: every timer
/// command with human and --json output, several URLs, the exit codes of refusals, and cluster status.
/// </summary>
[Collection(ThreeNodeCollection.Name)]
public sealed class CliTimerTests(ThreeNodeCluster fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string Urls => string.Join(',', fixture.Cluster.Urls);

    private static string NewId(string what) => $"cli-{what}-{Guid.NewGuid():N}"[..40];

    [Fact]
    public async Task Create_get_update_list_and_cancel_print_human_text()
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var id = NewId("human");
        var callback = fixture.Sink.UrlFor(id);

        var created = await OkAsync("create", "--url", follower, "--id", id, "--delay", "10m", "--callback", callback, "--data-json", """{"order":42}""");
        Assert.StartsWith($"created {id}: due at ", created.Stdout);
        Assert.Contains("version 1", created.Stdout);

        var shown = await OkAsync("get", id, "--url", follower);
        Assert.Matches($@"(?m)^id\s+{id}$", shown.Stdout);
        Assert.Matches(@"(?m)^state\s+pending$", shown.Stdout);
        Assert.Matches(@"(?m)^timeout\s+600000 ms$", shown.Stdout);
        Assert.Matches(@"(?m)^data\s+\{""order"":42\}$", shown.Stdout);
        Assert.Matches($@"(?m)^callback\s+POST {callback}$", shown.Stdout);

        var updated = await OkAsync("update", id, "--url", Urls, "--delay", "20m", "--callback", callback, "--method", "PUT", "--data", "changed");
        Assert.StartsWith($"updated {id}: due at ", updated.Stdout);
        Assert.Contains("version 2", updated.Stdout);
        shown = await OkAsync("get", id, "--url", Urls);
        Assert.Matches(@"(?m)^version\s+2$", shown.Stdout);
        Assert.Matches(@"(?m)^data\s+""changed""$", shown.Stdout);
        Assert.Matches($@"(?m)^callback\s+PUT {callback}$", shown.Stdout);

        var listed = await RunAsync(["list", "--url", Urls, "--state", "pending", "--after", id[..^1], "--limit", "1000"]);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var lines = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^ID\s+STATE\s+DUE AT\s+VERSION\s+ATTEMPTS\s+CALLBACK\s+LAST ERROR$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{id}\s+pending\s+\S+\s+2\s+0\s+PUT {callback}"));

        var cancelled = await OkAsync("cancel", id, "--url", follower);
        Assert.Equal($"cancelled {id}\n", cancelled.Stdout);
        shown = await OkAsync("get", id, "--url", Urls);
        Assert.Matches(@"(?m)^state\s+cancelled$", shown.Stdout);

        // A repeated cancel succeeds as the first did (safe to retry by hand).
        Assert.Equal($"cancelled {id}\n", (await OkAsync("cancel", id, "--url", follower)).Stdout);
        Assert.DoesNotContain(fixture.Sink.Deliveries, d => d.TimerId == id);
    }

    [Fact]
    public async Task Every_timer_command_prints_one_json_document_with_json()
    {
        var created = (await OkAsync("create", "--json", "--url", Urls, "--delay", "600000", "--callback", fixture.Sink.UrlFor("json"), "--data", "hello")).Json;
        var id = created.GetProperty("id").GetString()!; // made up by the client, sent as x-timer-id: a UUIDv7 in text form
        Assert.True(Guid.TryParseExact(id, "D", out var guid) && guid.Version == 7, id);
        Assert.Equal($"/timer/{id}", created.GetProperty("location").GetString());
        Assert.Equal(1, created.GetProperty("version").GetInt32());

        var timer = (await OkAsync("get", id, "--json", "--url", Urls)).Json;
        Assert.Equal(id, timer.GetProperty("id").GetString());
        Assert.Equal("pending", timer.GetProperty("state").GetString());
        Assert.Equal("hello", timer.GetProperty("data").GetString());
        Assert.Equal(600000, timer.GetProperty("timeout").GetInt64());
        Assert.Equal("post", timer.GetProperty("callback").GetProperty("method").GetString());

        var updated = (await OkAsync("update", id, "--json", "--url", Urls, "--delay", "5m", "--callback", fixture.Sink.UrlFor("json"), "--data-json", """{"n":1}""")).Json;
        Assert.Equal(2, updated.GetProperty("version").GetInt32());
        timer = (await OkAsync("get", id, "--json", "--url", Urls)).Json;
        Assert.Equal(1, timer.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(300000, timer.GetProperty("timeout").GetInt64());

        // --at gives a due time instead: the timer shows it, and no timeout.
        await OkAsync("update", id, "--json", "--url", Urls, "--at", "2031-06-01T12:00:00+02:00", "--callback", fixture.Sink.UrlFor("json"), "--data-json", """{"n":1}""");
        timer = (await OkAsync("get", id, "--json", "--url", Urls)).Json;
        Assert.Equal("2031-06-01T10:00:00.000Z", timer.GetProperty("dueAt").GetString());
        Assert.Equal(JsonValueKind.Null, timer.GetProperty("timeout").ValueKind);

        var page = (await OkAsync("list", "--json", "--url", Urls, "--after", id[..^1], "--limit", "1")).Json;
        var only = Assert.Single(page.GetProperty("timers").EnumerateArray());
        Assert.Equal(id, only.GetProperty("id").GetString());

        var cancelled = (await OkAsync("cancel", id, "--json", "--url", Urls)).Json;
        Assert.Equal(id, cancelled.GetProperty("id").GetString());
        Assert.True(cancelled.GetProperty("cancelled").GetBoolean());
        Assert.Equal("cancelled", (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_timer_created_with_the_cli_fires_with_its_data_and_method()
    {
        var id = NewId("fire");
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "300ms", "--callback", fixture.Sink.UrlFor(id), "--method", "put", "--data", "payload text",
            "--header", "X-Tenant: acme", "-H", "X-Trace:t-1");
        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200), Deadline);
        var delivery = fixture.Sink.Deliveries.First(d => d.TimerId == id);
        Assert.Equal("PUT", delivery.Method);
        Assert.Equal("payload text", delivery.Body);
        Assert.StartsWith("text/plain", delivery.ContentType);
        Assert.Equal(("acme", "t-1"), (delivery.Headers["X-Tenant"], delivery.Headers["X-Trace"]));
        Assert.Matches(@"(?m)^headers\s+X-Tenant: acme; X-Trace: t-1$", (await OkAsync("get", id, "--url", Urls)).Stdout);

        var state = await Poll.UntilAsync(async () => (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("state").GetString(),
            s => s == "delivered", Deadline, s => $"state {s}");
        Assert.Equal("delivered", state);
    }

    [Fact]
    public async Task A_tcp_timer_created_with_the_cli_writes_its_data_to_the_connection()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var received = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var buffer = new MemoryStream();
            await client.GetStream().CopyToAsync(buffer);
            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        });
        var id = NewId("tcp");

        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "300ms", "--transport", "tcp", "--callback", $"tcp://127.0.0.1:{port}", "--data", "job 7");

        Assert.Equal("job 7", await received.WaitAsync(Deadline));
        Assert.Matches($@"(?m)^callback\s+tcp tcp://127\.0\.0\.1:{port}$", (await OkAsync("get", id, "--url", Urls)).Stdout);
    }

    [Fact]
    public async Task Events_prints_a_timers_lifecycle_in_log_order_as_lines_or_json()
    {
        var id = NewId("events");
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id));
        await OkAsync("update", id, "--url", Urls, "--delay", "20m", "--callback", fixture.Sink.UrlFor(id));
        await OkAsync("cancel", id, "--url", Urls);

        var lines = (await OkAsync("events", "--url", Urls, "--prefix", id, "--after", "0", "--count", "3")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches($@"^\d+:0 +\S+Z  created +{id} v1 due \S+Z$", lines[0]);
        Assert.Matches($@"^\d+:0 +\S+Z  updated +{id} v2 due \S+Z$", lines[1]);
        Assert.Matches($@"^\d+:0 +\S+Z  cancelled {id} v2$", lines[2]);

        var json = (await OkAsync("events", "--url", Urls, "--prefix", id, "--after", "0", "--kind", "cancelled,created", "--count", "2", "--json")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["created", "cancelled"], json.Select(e => e.GetProperty("kind").GetString()));
        Assert.All(json, e => Assert.Equal(id, e.GetProperty("timerId").GetString()));
        Assert.Equal(lines[2].Split(' ')[0], json[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_repeating_timer_created_with_the_cli_fires_each_time_and_get_shows_its_schedule()
    {
        var id = NewId("every");
        await OkAsync("create", "--url", Urls, "--id", id, "--every", "1s", "--count", "2", "--misfire", "fireAll", "--callback", fixture.Sink.UrlFor(id));
        await fixture.Sink.WaitUntilAsync(d => d.Where(x => x.TimerId == id && x.AnsweredStatus == 200).Select(x => x.IdempotencyKey).Distinct().Count() >= 2, Deadline);
        Assert.Equal([$"{id}:1:1", $"{id}:1:2"], fixture.Sink.Deliveries.Where(x => x.TimerId == id).Select(x => x.IdempotencyKey).Distinct().Order(StringComparer.Ordinal));

        var shown = (await OkAsync("get", id, "--url", Urls)).Stdout;
        Assert.Matches(@"(?m)^schedule\s+every 1000 ms, 2 times, misfire fireAll$", shown);

        var cron = NewId("cron");
        await OkAsync("create", "--url", Urls, "--id", cron, "--cron", "0 9 * * MON-FRI", "--tz", "Europe/Berlin", "--callback", fixture.Sink.UrlFor(cron));
        Assert.Matches(@"(?m)^schedule\s+cron ""0 9 \* \* MON-FRI"" in Europe/Berlin, misfire fireOnce$", (await OkAsync("get", cron, "--url", Urls)).Stdout);
        Assert.Matches(@"(?m)^occurrence\s+1$", (await OkAsync("get", cron, "--url", Urls)).Stdout);
        await OkAsync("cancel", cron, "--url", Urls);
    }

    [Fact]
    public async Task A_dead_letter_target_given_to_create_is_shown_by_get()
    {
        var id = NewId("dead");
        var target = fixture.Sink.UrlFor($"{id}-dead");
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id), "--dead-letter", target);

        Assert.Matches($@"(?m)^dead letter\s+none, POST {System.Text.RegularExpressions.Regex.Escape(target)}, 0 attempts$", (await OkAsync("get", id, "--url", Urls)).Stdout);
        var json = (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("deadLetter");
        Assert.Equal((target, "post", "none"), (json.GetProperty("uri").GetString(), json.GetProperty("method").GetString(), json.GetProperty("state").GetString()));
        var refused = await FailsAsync(2, "create", "--url", Urls, "--id", $"{id}-x", "--delay", "10m", "--callback", fixture.Sink.UrlFor(id), "--dead-letter", "not a uri");
        Assert.Contains("--dead-letter must be an absolute URI", refused.Stderr, StringComparison.Ordinal);
        await OkAsync("cancel", id, "--url", Urls);
    }

    [Fact]
    public async Task Pause_and_resume_hold_a_timer_and_let_it_go_again()
    {
        var id = NewId("pause");
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id));

        Assert.Matches($@"^paused {id} v1 due \S+Z\n$", (await OkAsync("pause", id, "--url", Urls)).Stdout);
        Assert.Equal("paused", (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("state").GetString());
        Assert.Equal("pending", (await OkAsync("resume", id, "--url", Urls, "--json")).Json.GetProperty("state").GetString());
        Assert.Equal("pending", (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("state").GetString());

        await OkAsync("cancel", id, "--url", Urls);
        var gone = await FailsAsync(1, "pause", id, "--url", Urls);
        Assert.Contains("404", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_all_pages_through_every_timer_in_order_and_keeps_stdout_clean()
    {
        var prefix = NewId("all")[..24] + "-";
        var ids = Enumerable.Range(0, 23).Select(i => $"{prefix}{i:D2}").ToList();
        foreach (var id in ids)
            await fixture.Cluster.Http.CreateOkAsync(fixture.Cluster.Urls[0], id, 600_000, fixture.Sink.UrlFor("all"));

        // Pages of 5 starting just before the prefix: every one of the 23 timers exactly once, in id order.
        var listed = await RunAsync(["list", "--all", "--json", "--limit", "5", "--after", prefix[..^1], "--url", Urls]);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal("", listed.Stderr); // stderr is not a terminal here: no progress drawn
        var document = listed.Json;
        Assert.Equal(JsonValueKind.Null, document.GetProperty("next").ValueKind);
        var seen = document.GetProperty("timers").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).Where(i => i.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(ids, seen);

        var human = await OkAsync("list", "--all", "--limit", "4", "--state", "pending", "--after", prefix[..^1], "--url", Urls);
        foreach (var id in ids)
            Assert.Matches($@"(?m)^{id}\s+pending\s", human.Stdout);

        // One page of 5: the next id is named on stderr, stdout keeps the table only.
        var page = await RunAsync(["list", "--limit", "5", "--after", prefix[..^1], "--url", Urls]);
        Assert.Equal(0, page.ExitCode);
        Assert.Equal(6, page.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"timers list --after {ids[4]}", page.Stderr);

        foreach (var id in ids)
            await OkAsync("cancel", id, "--url", Urls);
    }

    [Fact]
    public async Task The_next_url_is_tried_when_one_cannot_be_reached_and_the_env_var_names_nodes()
    {
        var id = NewId("urls");
        var dead = UnreachableUrl();
        await OkAsync("create", "--url", dead, "--url", fixture.Cluster.Urls[1], "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id));
        var viaEnvironment = await RunAsync(["get", id, "--json"], new Dictionary<string, string> { ["RAFTTIMERS_URL"] = $"{dead},{fixture.Cluster.Urls[2]}" });
        Assert.True(viaEnvironment.ExitCode == 0, viaEnvironment.ToString());
        Assert.Equal(id, viaEnvironment.Json.GetProperty("id").GetString());
        await OkAsync("cancel", id, "--url", $"{dead},{fixture.Cluster.Urls[0]}");
    }

    [Fact]
    public async Task A_create_without_id_that_one_node_left_unanswered_is_retried_on_the_next_with_the_same_id()
    {
        await using var silent = SilentNode.Start();
        var created = (await OkAsync("create", "--json", "--url", $"{silent.Url},{Urls}", "--timeout", "5", "--delay", "10m",
            "--callback", fixture.Sink.UrlFor("retried"))).Json;
        var id = created.GetProperty("id").GetString()!;
        var sent = Assert.Single(silent.Requests); // the client read its answer from the next node only after this one timed out
        Assert.Equal(id, sent["x-timer-id"]);
        Assert.Equal("pending", (await OkAsync("get", id, "--json", "--url", Urls)).Json.GetProperty("state").GetString());
        await OkAsync("cancel", id, "--url", Urls);
    }

    [Fact]
    public async Task Server_refusals_exit_1_with_the_status_and_a_server_400_exits_2()
    {
        var missing = await FailsAsync(1, "get", NewId("missing"), "--url", Urls);
        Assert.Contains("404 Not Found: no timer", missing.Stderr);

        var id = NewId("conflict");
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id));
        await OkAsync("create", "--url", Urls, "--id", id, "--delay", "10m", "--callback", fixture.Sink.UrlFor(id)); // same body: idempotent
        var conflict = await FailsAsync(1, "create", "--url", Urls, "--id", id, "--delay", "11m", "--callback", fixture.Sink.UrlFor(id));
        Assert.Contains("409", conflict.Stderr);
        Assert.Contains("different body", conflict.Stderr);

        var update = await FailsAsync(1, "update", NewId("nothing"), "--url", Urls, "--delay", "1s", "--callback", fixture.Sink.UrlFor("x"));
        Assert.Contains("404", update.Stderr);

        // Well-formed locally, refused by the cluster's callback policy (link-local metadata address): the server's 400 is exit code 2.
        var denied = await FailsAsync(2, "create", "--url", Urls, "--delay", "1s", "--callback", "http://169.254.169.254/latest");
        Assert.Contains("400", denied.Stderr);
        Assert.Contains("169.254", denied.Stderr);
        await OkAsync("cancel", id, "--url", Urls);
    }

    [Fact]
    public async Task Cluster_status_lists_every_member_with_role_term_and_indexes()
    {
        var leader = await fixture.Cluster.LeaderIndexAsync();
        var status = (await OkAsync("cluster", "status", "--json", "--url", Urls)).Json;
        var members = status.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.True(m.GetProperty("reachable").GetBoolean(), m.ToString()));
        Assert.Equal(new[] { "n1", "n2", "n3" }, members.Select(m => m.GetProperty("id").GetString()));
        Assert.Single(members, m => m.GetProperty("role").GetString() == "leader");
        Assert.Equal($"n{leader}", members.Single(m => m.GetProperty("role").GetString() == "leader").GetProperty("id").GetString());
        Assert.Equal(2, members.Count(m => m.GetProperty("role").GetString() == "follower"));
        Assert.All(members, m => Assert.True(m.GetProperty("commitIndex").GetInt64() > 0 && m.GetProperty("appliedIndex").GetInt64() > 0, m.ToString()));
        Assert.Equal(fixture.Cluster.Urls[leader - 1], status.GetProperty("leader").GetProperty("api").GetString());
        Assert.Equal(status.GetProperty("term").GetInt64(), status.GetProperty("node").GetProperty("term").GetInt64());

        var human = await OkAsync("cluster", "status", "--url", fixture.Cluster.Urls[0]);
        Assert.StartsWith($"leader 127.0.0.1:", human.Stdout);
        Assert.Contains($"({fixture.Cluster.Urls[leader - 1]}), term ", human.Stdout);
        Assert.Matches(@"(?m)^ID\s+RAFT\s+API\s+ROLE\s+TERM\s+COMMIT\s+APPLIED\s+LAG\s+PENDING\s+STATUS$", human.Stdout);
        for (var i = 1; i <= 3; i++)
            Assert.Matches($@"(?m)^n{i}\s+127\.0\.0\.1:\d+\s+{fixture.Cluster.Urls[i - 1]}\s+{(i == leader ? "leader" : "follower")}\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+", human.Stdout);
    }

    [Fact]
    public async Task A_batch_file_creates_and_cancels_in_one_request_and_its_exit_code_tells_a_partial_batch()
    {
        var id = NewId("batch");
        var file = Path.Combine(Path.GetTempPath(), $"{id}.json");
        await File.WriteAllTextAsync(file, $$$"""
            {"create": [
               {"id": "{{{id}}}-1", "timeout": 600000, "callback": {"transport": "http", "method": "post", "uri": "{{{fixture.Sink.UrlFor(id)}}}"}},
               {"id": "{{{id}}}-2", "dueAt": "2030-01-01T00:00:00Z", "data": {"n": 2}, "callback": {"transport": "http", "method": "put", "uri": "{{{fixture.Sink.UrlFor(id)}}}"}}],
             "cancel": ["{{{id}}}-1"]}
            """);
        try
        {
            var done = await OkAsync("batch", file, "--url", Urls);
            Assert.Matches($@"(?m)^create\s+{id}-1\s+201\s+1\s", done.Stdout);
            Assert.Matches($@"(?m)^create\s+{id}-2\s+201\s+1\s+2030-01-01T00:00:00.000Z", done.Stdout);
            Assert.Matches($@"(?m)^cancel\s+{id}-1\s+202\s", done.Stdout);

            // Sent again: the creates are the same timers, and cancelling a cancelled timer answers 202 again.
            var again = await OkAsync("batch", file, "--url", Urls, "--json");
            Assert.All(again.Json.EnumerateArray(), r => Assert.True(r.GetProperty("status").GetInt32() is 201 or 202, r.ToString()));

            await File.WriteAllTextAsync(file, $$"""{"cancel": ["{{id}}-2", "{{id}}-never"]}""");
            var partial = await RunAsync(["batch", file, "--url", Urls]);
            Assert.True(partial.ExitCode == 1, partial.ToString());
            Assert.Matches($@"(?m)^cancel\s+{id}-never\s+404\s", partial.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

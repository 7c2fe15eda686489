using RaftTimers.EndToEnd.Tests.Infrastructure;
using static RaftTimers.EndToEnd.Tests.Infrastructure.CliProcess;

namespace RaftTimers.EndToEnd.Tests.Cli;

/// <summary>
/// What the client does without a cluster: bad input is exit code 2, caught before any request (the URL given is one
/// nothing listens on, so a request would have made it exit 3 instead); an unreachable cluster is exit code 3 on every
/// command; --help works on every command and lists the exit codes.
/// </summary>
public sealed class CliUsageTests
{
    public static TheoryData<string[], string> BadInput => new()
    {
        { ["create", "--delay", "abc", "--callback", "http://127.0.0.1:9/"], "--delay must be" },
        { ["create", "--delay", "0", "--callback", "http://127.0.0.1:9/"], "--delay must be" },
        { ["create", "--delay", "-5", "--callback", "http://127.0.0.1:9/"], "--delay" },
        { ["create", "--delay", "2147483648", "--callback", "http://127.0.0.1:9/"], "--delay must be" },
        { ["create", "--delay", "600h", "--callback", "http://127.0.0.1:9/"], "--delay must be" },
        { ["create", "--delay", "5s"], "--callback" },
        { ["create", "--callback", "http://127.0.0.1:9/"], "--delay" },
        { ["create", "--delay", "5s", "--at", "2030-01-01T00:00:00Z", "--callback", "http://127.0.0.1:9/"], "one of them" },
        { ["create", "--at", "2030-01-01T00:00:00", "--callback", "http://127.0.0.1:9/"], "--at must be" },
        { ["create", "--at", "tomorrow", "--callback", "http://127.0.0.1:9/"], "--at must be" },
        { ["create", "--at", "1999-12-31T23:59:59Z", "--callback", "http://127.0.0.1:9/"], "--at must be" },
        { ["create", "--delay", "5s", "--callback", "ftp://127.0.0.1/x"], "--callback must be" },
        { ["create", "--delay", "5s", "--callback", "not a uri"], "--callback must be" },
        { ["create", "--delay", "5s", "--transport", "tcp", "--callback", "not a uri"], "--callback must be an absolute URI" },
        { ["create", "--delay", "5s", "--transport", "Bad Name", "--callback", "tcp://127.0.0.1:9"], "--transport must be" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--method", "fetch"], "--method must be" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--id", "has space"], "--id must be" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--data", "a", "--data-json", "{}"], "not both" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--data-json", "{broken"], "not valid JSON" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--data-json", "[1,2]"], "must be a JSON object" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--header", "X-Tenant acme"], "--header must be \"Name: value\"" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--header", ": acme"], "--header must be \"Name: value\"" },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "-H", "X-A: 1", "-H", "x-a: 2"], "--header names 'x-a' twice" },
        { ["batch", "/nonexistent/batch.json"], "cannot read /nonexistent/batch.json" },
        { ["events", "--kind", "executed"], "--kind must be one of created," },
        { ["create", "--delay", "5s", "--every", "1m", "--callback", "http://127.0.0.1:9/"], "one of them" },
        { ["create", "--every", "1m", "--misfire", "later", "--callback", "http://127.0.0.1:9/"], "--misfire must be" },
        { ["create", "--every", "1m", "--tz", "Europe/Berlin", "--callback", "http://127.0.0.1:9/"], "--tz goes with --cron" },
        { ["create", "--delay", "5s", "--count", "3", "--callback", "http://127.0.0.1:9/"], "go with --cron or --every" },
        { ["create", "--every", "500", "--callback", "http://127.0.0.1:9/"], "--every must be at least 1s" },
        { ["events", "--after", "soon"], "--after must be an event id" },
        { ["events", "--count", "0"], "--count must be at least 1" },
        { ["get"], "Required argument missing" },
        { ["cancel"], "Required argument missing" },
        { ["update", "--delay", "5s", "--callback", "http://127.0.0.1:9/"], "Required argument missing" },
        { ["get", "bad/id"], "the timer id must be" },
        { ["update", "t1", "--delay", "soon", "--callback", "http://127.0.0.1:9/"], "--delay must be" },
        { ["list", "--state", "sleeping"], "--state must be" },
        { ["list", "--limit", "0"], "--limit must be" },
        { ["list", "--limit", "1001"], "--limit must be" },
        { ["list", "--after", "a b"], "--after must be" },
        { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["cluster", "frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["get", "t1", "--bogus"], "Unrecognized command or argument '--bogus'" },
        { [], "Required command was not provided" },
        { ["cluster"], "Required command was not provided" },
        { ["cluster", "add", "--raft", "10.0.0.4", "--api", "http://10.0.0.4:8080", "--admin-token", "a-token-of-16-chars"], "--raft must be" },
        { ["cluster", "add", "--raft", "10.0.0.4:9080", "--api", "10.0.0.4:8080", "--admin-token", "a-token-of-16-chars"], "--api must be" },
        { ["cluster", "add", "--raft", "10.0.0.4:9080", "--api", "http://10.0.0.4:8080"], "admin token" },
        { ["cluster", "remove", "n4"], "admin token" },
        { ["cluster", "remove"], "Required argument missing" },
        { ["get", "t1", "--timeout", "never"], "--timeout must be" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_exits_2_before_any_request(string[] args, string message)
    {
        var result = await FailsAsync(2, [.. args, "--url", UnreachableUrl()]);
        Assert.Contains(message, result.Stderr);
    }

    [Theory]
    [InlineData("cluster status --bogus", "see: timers cluster status --help")]
    [InlineData("cluster add --bogus", "see: timers cluster add --help")]
    [InlineData("create --bogus", "see: timers create --help")]
    [InlineData("--bogus", "see: timers --help")]
    public async Task A_usage_error_names_the_help_of_the_command_it_was_in(string args, string hint)
    {
        var result = await FailsAsync(2, args.Split(' '));
        Assert.Contains(hint, result.Stderr);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("ftp://127.0.0.1:8080")]
    [InlineData("http://")]
    [InlineData("/relative")]
    public async Task A_bad_node_url_exits_2(string url)
    {
        var result = await FailsAsync(2, "get", "t1", "--url", url);
        Assert.Contains($"bad node URL '{url}'", result.Stderr);
        var fromEnvironment = await RunAsync(["get", "t1"], new Dictionary<string, string> { ["RAFTTIMERS_URL"] = url });
        Assert.Equal(2, fromEnvironment.ExitCode);
        Assert.Contains("bad node URL", fromEnvironment.Stderr);
    }

    public static TheoryData<string[]> EveryCommand => new()
    {
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/"] },
        { ["create", "--delay", "5s", "--callback", "http://127.0.0.1:9/", "--id", "t1", "--json"] },
        { ["get", "t1"] },
        { ["update", "t1", "--delay", "5s", "--callback", "http://127.0.0.1:9/"] },
        { ["cancel", "t1", "--json"] },
        { ["list"] },
        { ["list", "--all", "--json"] },
        { ["cluster", "status"] },
        { ["cluster", "add", "--raft", "127.0.0.1:9", "--api", "http://127.0.0.1:9", "--admin-token", "a-token-of-16-chars"] },
        { ["cluster", "remove", "n2", "--admin-token", "a-token-of-16-chars"] },
    };

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task An_unreachable_cluster_exits_3_on_every_command(string[] args)
    {
        var first = UnreachableUrl();
        var second = UnreachableUrl();
        var result = await FailsAsync(3, [.. args, "--url", $"{first},{second}"]);
        Assert.Contains("no node answered", result.Stderr);
        Assert.Contains(first, result.Stderr); // both were tried
        Assert.Contains(second, result.Stderr);
    }

    private static async Task<IReadOnlyDictionary<string, string>> OnlyRequestAsync(SilentNode node)
    {
        var requests = await Poll.UntilAsync(() => Task.FromResult(node.Requests), r => r.Count > 0, TimeSpan.FromSeconds(10), r => $"{r.Count} requests");
        return Assert.Single(requests);
    }

    [Fact]
    public async Task A_create_without_id_that_gets_no_answer_exits_4_naming_the_uuidv7_id_it_sent()
    {
        await using var silent = SilentNode.Start();
        var result = await FailsAsync(4, "create", "--url", silent.Url, "--timeout", "0.5", "--delay", "5s", "--callback", "http://127.0.0.1:9/");
        var request = await OnlyRequestAsync(silent);
        Assert.StartsWith("POST /timer ", request["request-line"]);
        Assert.True(request.TryGetValue("x-timer-id", out var id), $"no x-timer-id header: {string.Join(", ", request.Keys)}");
        Assert.True(Guid.TryParseExact(id, "D", out var guid) && guid.Version == 7 && id == guid.ToString(), $"not a UUIDv7 in text form: {id}");
        Assert.Contains("outcome is unknown", result.Stderr);
        Assert.Contains($"retrying with --id {id} is safe", result.Stderr);
    }

    [Fact]
    public async Task A_create_with_id_sends_that_id_and_is_tried_past_an_unreachable_and_a_silent_node_then_exits_4()
    {
        await using var silent = SilentNode.Start();
        var unreachable = UnreachableUrl();
        var result = await FailsAsync(4, "create", "--url", $"{unreachable},{silent.Url}", "--timeout", "0.5", "--id", "order-7",
            "--delay", "5s", "--callback", "http://127.0.0.1:9/");
        Assert.Equal("order-7", (await OnlyRequestAsync(silent))["x-timer-id"]);
        Assert.Contains(unreachable, result.Stderr); // the connect failure fell back to the next URL
        Assert.Contains("did not answer within 0.5 s", result.Stderr);
        Assert.Contains("retrying with --id order-7 is safe", result.Stderr);
    }

    [Fact]
    public async Task A_read_that_connected_but_got_no_answer_exits_3_and_a_cancel_exits_4()
    {
        await using var silent = SilentNode.Start();
        var read = await FailsAsync(3, "get", "t1", "--url", silent.Url, "--timeout", "0.5");
        Assert.Contains("no node answered", read.Stderr);
        Assert.Contains("did not answer within 0.5 s", read.Stderr);

        var cancel = await FailsAsync(4, "cancel", "t1", "--url", silent.Url, "--timeout", "0.5");
        Assert.Contains("outcome is unknown", cancel.Stderr);
    }

    private const string Secret = "s3cret-token-value-0123456789";

    public static TheoryData<string[], int> MisplacedTokens => new()
    {
        { ["cluster", "status", "--admin-token", Secret], 3 },
        { ["--admin-token", Secret, "cluster", "add", "--raft", "127.0.0.1:9", "--api", "http://127.0.0.1:9"], 3 },
        { ["--admin-token", Secret, "cluster", "remove", "n4"], 3 },
        { ["get", "t1", "--admin-token", Secret], 3 },
        { ["--token", Secret, "list"], 3 },
        { ["get", "t1", "--admin-token=" + Secret], 3 },
        { ["get", "t1", "--api-token", Secret], 2 }, // an unknown option: both words are unrecognized
        { ["get", "t1", "--admin-token", Secret, "extra"], 2 },
    };

    [Theory]
    [MemberData(nameof(MisplacedTokens))]
    public async Task A_token_on_the_command_line_is_never_echoed_in_an_error(string[] args, int exitCode)
    {
        var result = await FailsAsync(exitCode, [.. args, "--url", UnreachableUrl()]);
        Assert.DoesNotContain(Secret, result.Stderr);
        Assert.DoesNotContain(Secret[..12], result.Stderr);
    }

    [Theory]
    [InlineData]
    [InlineData("create")]
    [InlineData("get")]
    [InlineData("update")]
    [InlineData("cancel")]
    [InlineData("list")]
    [InlineData("cluster")]
    [InlineData("cluster", "status")]
    [InlineData("cluster", "add")]
    [InlineData("cluster", "remove")]
    [InlineData("signing-secret")]
    [InlineData("batch")]
    [InlineData("events")]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("retry")]
    public async Task Help_works_on_every_command_and_lists_the_exit_codes(params string[] command)
    {
        var result = await RunAsync([.. command, "--help"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        Assert.Contains($"timers {string.Join(' ', command)}", result.Stdout.Replace("  ", " "));
        Assert.Contains("Exit codes:", result.Stdout);
        Assert.Matches(@"(?m)^\s+3\s+cluster unreachable: .*\(reads only\) connected but did not answer within --timeout", result.Stdout);
        Assert.Matches(@"(?m)^\s+4\s+unavailable: .*no node answered after a write was sent", result.Stdout);
        Assert.Contains("--json", result.Stdout);
    }

    [Fact]
    public async Task A_signing_secret_is_new_each_time_and_holds_32_bytes_in_the_form_nodes_read()
    {
        var first = await RunAsync(["signing-secret"]);
        var second = await RunAsync(["signing-secret"]);
        Assert.True(first.ExitCode == 0 && first.Stderr == "", first.ToString());
        var secret = first.Stdout.Trim();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(secret, second.Stdout.Trim());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// Security on real node processes: the timer API token on every route through leader and follower, the
/// callback target policy at create time and at delivery, and settings that must stop a node at start.
/// The token-off case is every other cluster test (they send no Authorization header).
/// </summary>
public sealed class SecurityTests(SecuredCluster fixture) : IClassFixture<SecuredCluster>
{
    public enum Operation
    {
        Create,
        Get,
        Update,
        Cancel,
        List,
    }

    public enum Via
    {
        Leader,
        Follower,
    }

    public enum Credential
    {
        None,
        Wrong,
        Right,
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static TheoryData<Operation, Via, Credential> AuthCases()
    {
        var cases = new TheoryData<Operation, Via, Credential>();
        foreach (var operation in Enum.GetValues<Operation>())
        foreach (var via in Enum.GetValues<Via>())
        foreach (var credential in Enum.GetValues<Credential>())
            cases.Add(operation, via, credential);
        return cases;
    }

    [Theory]
    [MemberData(nameof(AuthCases))]
    public async Task Every_timer_route_needs_the_token_through_leader_and_follower_and_a_refused_request_changes_nothing(
        Operation operation, Via via, Credential credential)
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        var node = via == Via.Leader ? leader : follower;
        var id = $"auth-{operation}-{via}-{credential}-{Guid.NewGuid():N}".ToLowerInvariant();
        var hook = fixture.Sink.UrlFor(id);
        if (operation != Operation.Create)
            await fixture.CreateOkAsync(leader, id, 600_000, hook);

        var authorization = credential switch
        {
            Credential.None => null,
            Credential.Wrong => $"Bearer {fixture.Token[..^1]}{(fixture.Token[^1] == '0' ? '1' : '0')}",
            _ => fixture.Bearer,
        };
        using var response = operation switch
        {
            Operation.Create => await fixture.SendAsync(HttpMethod.Post, $"{node}/timer", authorization, TimerApi.Body(600_000, hook), id),
            Operation.Get => await fixture.SendAsync(HttpMethod.Get, $"{node}/timer/{id}", authorization),
            Operation.Update => await fixture.SendAsync(HttpMethod.Put, $"{node}/timer/{id}", authorization, TimerApi.Body(500_000, hook, "replaced")),
            Operation.Cancel => await fixture.SendAsync(HttpMethod.Delete, $"{node}/timer/{id}", authorization),
            _ => await fixture.SendAsync(HttpMethod.Get, $"{node}/timer?limit=1000", authorization),
        };

        var status = (int)response.StatusCode;
        var reason = TimerApi.Reason(response);
        if (credential == Credential.Right)
        {
            var expected = operation switch
            {
                Operation.Create => 201,
                Operation.Cancel => 202,
                _ => 200,
            };
            Assert.True(expected == status, $"{operation} via {via} with the token: {status} {reason}");
            if (operation is Operation.Get or Operation.List)
                Assert.Contains(id, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        else
        {
            Assert.True(status == 401, $"{operation} via {via} with {credential} token: {status} {reason}");
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            Assert.Equal(credential == Credential.Wrong ? "error=\"invalid_token\"" : null, challenge.Parameter);
            Assert.Contains(credential == Credential.Wrong ? "not valid" : "requires an Authorization: Bearer", reason, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Token, reason, StringComparison.Ordinal);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(401, problem.GetProperty("status").GetInt32());
            Assert.Equal(reason, problem.GetProperty("detail").GetString());
        }

        // What the request did, read back through the other node with the token.
        var other = node == leader ? follower : leader;
        var timer = await fixture.GetAsync(other, id);
        var accepted = credential == Credential.Right;
        switch (operation)
        {
            case Operation.Create:
                Assert.Equal(accepted, timer is not null);
                break;
            case Operation.Update:
                Assert.Equal(accepted ? 2 : 1, timer!.Version);
                break;
            case Operation.Cancel:
                Assert.Equal(accepted ? "cancelled" : "pending", timer!.State);
                break;
            default:
                Assert.Equal(1, timer!.Version);
                break;
        }
    }

    [Fact]
    public async Task A_follower_refuses_a_write_without_the_right_token_itself_without_waiting_for_the_leader()
    {
        var (_, follower, leaderIndex) = await fixture.RolesAsync();
        var id = $"auth-paused-{Guid.NewGuid():N}";
        var body = TimerApi.Body(600_000, fixture.Sink.UrlFor(id));

        // With the leader stopped, a forwarded write could only end in 503 after the request timeout; a 401 shows
        // the follower decided alone, before forwarding.
        await fixture.Cluster.PauseAsync(leaderIndex);
        try
        {
            using var none = await fixture.SendAsync(HttpMethod.Post, $"{follower}/timer", null, body, id);
            Assert.True(none.StatusCode == HttpStatusCode.Unauthorized, $"{(int)none.StatusCode} {TimerApi.Reason(none)}");
            using var wrong = await fixture.SendAsync(HttpMethod.Post, $"{follower}/timer", "Bearer not-the-token-at-all", body, id);
            Assert.True(wrong.StatusCode == HttpStatusCode.Unauthorized, $"{(int)wrong.StatusCode} {TimerApi.Reason(wrong)}");
        }
        finally
        {
            await fixture.Cluster.ResumeAsync(leaderIndex);
        }

        // The same create with the token goes through once a leader serves again (a retry with the same id is idempotent).
        await Poll.UntilAsync(async () =>
            {
                using var response = await fixture.SendAsync(HttpMethod.Post, $"{follower}/timer", fixture.Bearer, body, id);
                return $"{(int)response.StatusCode} {TimerApi.Reason(response)}";
            },
            answer => answer.StartsWith("201", StringComparison.Ordinal), TimeSpan.FromSeconds(60), answer => answer);
    }

    [Fact]
    public async Task Ping_cluster_health_and_metrics_stay_open_with_the_token_on()
    {
        foreach (var node in fixture.Cluster.Urls)
        {
            foreach (var path in new[] { "/ping", "/cluster", "/health/live", "/metrics" })
            {
                using var response = await fixture.Cluster.Http.GetAsync(node + path);
                Assert.True(response.IsSuccessStatusCode, $"{path} on {node}: {(int)response.StatusCode}");
            }

            await Poll.UntilAsync(async () =>
                {
                    using var ready = await fixture.Cluster.Http.GetAsync($"{node}/health/ready");
                    return (int)ready.StatusCode;
                },
                status => status == 200, Deadline, status => $"/health/ready on {node}: {status}");
        }
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "default deny entry 169.254.0.0/16")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data", "default deny entry 169.254.0.0/16")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/", "default deny entry metadata.google.internal")]
    [InlineData("http://blocked.test/hook", "RaftTimers:Security:Callbacks:Deny entry blocked.test")]
    [InlineData("http://deep.sub.blocked.test/hook", "RaftTimers:Security:Callbacks:Deny entry *.blocked.test")]
    [InlineData("http://203.0.113.9:8080/hook", "RaftTimers:Security:Callbacks:Deny entry 203.0.113.0/24")]
    public async Task A_create_with_a_denied_callback_target_is_a_400_naming_the_rule_and_stores_nothing(string uri, string rule)
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        foreach (var node in new[] { leader, follower })
        {
            var id = $"denied-{Guid.NewGuid():N}";
            using var response = await fixture.SendAsync(HttpMethod.Post, $"{node}/timer", fixture.Bearer, TimerApi.Body(100, uri), id);
            var reason = TimerApi.Reason(response);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{uri} via {node}: {(int)response.StatusCode} {reason}");
            Assert.Contains(rule, reason, StringComparison.Ordinal);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(await fixture.GetAsync(leader, id));
        }
    }

    [Fact]
    public async Task A_replace_with_a_denied_callback_target_is_a_400_and_the_timer_keeps_its_callback()
    {
        var (leader, follower, _) = await fixture.RolesAsync();
        var id = $"denied-put-{Guid.NewGuid():N}";
        var hook = fixture.Sink.UrlFor(id);
        await fixture.CreateOkAsync(leader, id, 600_000, hook);

        using var response = await fixture.SendAsync(HttpMethod.Put, $"{follower}/timer/{id}", fixture.Bearer,
            TimerApi.Body(100, "http://169.254.169.254/latest/meta-data/iam/security-credentials/"));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {TimerApi.Reason(response)}");
        Assert.Contains("169.254.0.0/16", TimerApi.Reason(response), StringComparison.Ordinal);

        var timer = (await fixture.GetAsync(leader, id))!;
        Assert.Equal(1, timer.Version);
        Assert.Equal(hook, timer.Callback.Uri);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_allowed_callback_target_is_created_and_fires(bool byName)
    {
        var (_, follower, _) = await fixture.RolesAsync();
        var id = $"allowed-{byName}-{Guid.NewGuid():N}".ToLowerInvariant();
        // By name, the target passes the create check unresolved and the delivery's connect step checks the address.
        var hook = byName ? fixture.Sink.UrlFor(id).Replace("//127.0.0.1:", "//localhost:", StringComparison.Ordinal) : fixture.Sink.UrlFor(id);
        await fixture.CreateOkAsync(follower, id, 300, hook);

        await fixture.Sink.WaitUntilAsync(d => d.Any(x => x.TimerId == id), Deadline);
        await Poll.UntilAsync(() => fixture.GetAsync(follower, id), t => t?.State == "delivered", Deadline,
            t => $"timer {id} is {t?.State ?? "missing"}");
    }

    [Fact]
    public async Task By_default_callbacks_to_the_nodes_machine_and_private_networks_are_refused_and_Permit_names_the_exceptions()
    {
        // tools/cluster permits loopback for local receivers; an empty Permit puts the node back on its defaults.
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:Security:Callbacks:Permit=");
        var node = cluster.Urls[0];
        foreach (var (uri, rule) in new[]
                 {
                     ("http://127.0.0.1:9999/hook", "127.0.0.0/8"),
                     ("http://0.0.0.0:9999/hook", "0.0.0.0/8"),
                     ("http://[::]:9999/hook", "::/128"),
                     ("http://[::1]:9999/hook", "::1/128"),
                     ("http://localhost:9999/hook", "localhost"),
                     ("http://10.0.0.1/hook", "10.0.0.0/8"),
                     ("http://192.168.1.1/hook", "192.168.0.0/16"),
                 })
        {
            var id = $"default-deny-{Guid.NewGuid():N}";
            using var response = await cluster.Http.CreateAsync(node, id, TimerApi.Body(100, uri));
            var reason = TimerApi.Reason(response);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{uri}: {(int)response.StatusCode} {reason}");
            Assert.Contains($"default deny entry {rule} ", reason, StringComparison.Ordinal);
            Assert.Contains("RaftTimers:Security:Callbacks:Permit", reason, StringComparison.Ordinal);
            Assert.Null(await cluster.Http.GetAsync(node, id));
        }

        // A public target is taken as before.
        await cluster.Http.CreateOkAsync(node, $"public-{Guid.NewGuid():N}", 600_000, "http://93.184.216.34/hook");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task What_a_node_keeps_on_disk_and_the_cluster_file_with_the_admin_token_are_readable_by_their_owner_only()
    {
        // At least one timer, so that the log has been written since the start.
        var (leader, _, _) = await fixture.RolesAsync();
        await fixture.CreateOkAsync(leader, $"at-rest-{Guid.NewGuid():N}", 600_000, "http://127.0.0.1:9/never");
        const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        for (var k = 1; k <= fixture.Cluster.Urls.Count; k++)
        {
            var data = fixture.Cluster.NodeDataDirectory(k);
            Assert.Equal(Owner, File.GetUnixFileMode(data));
            var entries = Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).ToList();
            Assert.NotEmpty(entries);
            foreach (var entry in entries)
            {
                var open = File.GetUnixFileMode(entry) & ~Owner;
                Assert.True(open == 0, $"{entry} is open to others: {File.GetUnixFileMode(entry)}");
                if (!Directory.Exists(entry))
                    Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(entry) & UnixFileMode.UserExecute);
            }
        }

        var state = Path.Combine(Path.GetDirectoryName(fixture.Cluster.NodeDataDirectory(1))!, "cluster.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state));
    }

    [Fact]
    public async Task With_allowed_hosts_and_origins_a_foreign_host_or_a_foreign_pages_write_is_refused()
    {
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:Security:AllowedHosts=127.0.0.1,localhost",
            "--RaftTimers:Security:AllowedOrigins=https://ops.example.com");
        var node = cluster.Urls[0];

        async Task<(HttpStatusCode Status, string Reason)> CreateAsync(string id, string? origin, string? host = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{node}/timer")
            {
                Content = new StringContent(TimerApi.Body(600_000, "http://127.0.0.1:9/never"), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-timer-id", id);
            if (origin is not null)
                request.Headers.Add("Origin", origin);
            if (host is not null)
                request.Headers.Host = host;
            using var response = await cluster.Http.SendAsync(request);
            return (response.StatusCode, TimerApi.Reason(response));
        }

        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("no-page", null)).Status);
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync("listed-page", "https://ops.example.com")).Status);
        var foreign = await CreateAsync("foreign-page", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, foreign.Status);
        Assert.Contains("RaftTimers:Security:AllowedOrigins", foreign.Reason, StringComparison.Ordinal);
        var rebound = await CreateAsync("rebound-host", null, "rebound.attacker.example");
        Assert.Equal(HttpStatusCode.BadRequest, rebound.Status);
        Assert.Contains("RaftTimers:Security:AllowedHosts", rebound.Reason, StringComparison.Ordinal);
        Assert.Null(await cluster.Http.GetAsync(node, "foreign-page"));
        Assert.Null(await cluster.Http.GetAsync(node, "rebound-host"));
    }

    [Fact]
    public async Task A_callback_to_the_nodes_own_API_or_Raft_port_is_refused_even_where_loopback_is_permitted()
    {
        var (leader, _, _) = await fixture.RolesAsync();
        var api = new Uri(leader);
        using (var response = await fixture.SendAsync(HttpMethod.Post, $"{leader}/timer", fixture.Bearer,
                   TimerApi.Body(100, $"http://127.0.0.1:{api.Port}/timer"), $"self-{Guid.NewGuid():N}"))
        {
            var reason = TimerApi.Reason(response);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {reason}");
            Assert.Contains("this node's own API or Raft port", reason, StringComparison.Ordinal);
        }

        // Another port on the same loopback address is a local receiver, which the test cluster permits.
        await fixture.CreateOkAsync(leader, $"beside-self-{Guid.NewGuid():N}", 600_000, $"http://127.0.0.1:{api.Port + 1000}/hook");
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_a_denied_address_is_refused_at_delivery_and_fails_without_retries()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(1, "--RaftTimers:Security:Callbacks:Deny=127.0.0.0/8,::1/128",
            "--RaftTimers:Delivery:InitialBackoffMs=200");
        var node = cluster.Urls[0];
        var port = new Uri(sink.BaseUrl).Port;

        // An IP literal is checked when the timer is created...
        using (var literal = await cluster.Http.CreateAsync(node, "loopback-literal", TimerApi.Body(100, $"http://127.0.0.1:{port}/hooks/literal")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, literal.StatusCode);
            Assert.Contains("Deny entry 127.0.0.0/8", TimerApi.Reason(literal), StringComparison.Ordinal);
        }

        // ...a name is not resolved then, so it is stored, and refused on the address it resolves to when it fires.
        var id = $"loopback-name-{Guid.NewGuid():N}";
        await cluster.Http.CreateOkAsync(node, id, 100, $"http://localhost:{port}/hooks/{id}");
        var timer = await Poll.UntilAsync(() => cluster.Http.GetAsync(node, id), t => t?.State == "failed", Deadline,
            t => $"timer {id} is {t?.State ?? "missing"}, lastError {t?.LastError}\n{cluster.LogTails()}");

        Assert.Equal(1, timer!.Attempts);
        var lastError = timer.LastError;
        Assert.StartsWith("callback target denied: ", lastError, StringComparison.Ordinal);
        Assert.Matches(@"of host localhost is denied by RaftTimers:Security:Callbacks:Deny entry (127\.0\.0\.0/8|::1/128)", lastError);
        Assert.DoesNotContain(sink.Deliveries, d => d.TimerId == id);
    }

    [Theory]
    [InlineData("--RaftTimers:Security:Callbacks:Deny=10.0.0.0/33", "RaftTimers:Security:Callbacks:Deny: '10.0.0.0/33'", null)]
    [InlineData("--RaftTimers:Security:Callbacks:Allow=http://hooks.example", "RaftTimers:Security:Callbacks:Allow: 'http://hooks.example' is a URL", null)]
    [InlineData("--RaftTimers:Security:ApiToken=tooshort", "RaftTimers:Security:ApiToken must be at least 16 characters", "tooshort")]
    [InlineData("--RaftTimers:Security:ApiToken=a long token with spaces", "RaftTimers:Security:ApiToken must be", "a long token with spaces")]
    [InlineData("--RaftTimers:MaxInFlightWrites=0", "RaftTimers:MaxInFlightWrites 0 must be between 1 and", null)]
    [InlineData("--RaftTimers:Delivery:MaxConcurrentDeliveries=0", "RaftTimers:Delivery:MaxConcurrentDeliveries 0 must be at least 1", null)]
    [InlineData("--RaftTimers:Telemetry:OtlpEndpoint=collector:4317", "RaftTimers:Telemetry:OtlpEndpoint 'collector:4317' must be an absolute http or https URI", null)]
    [InlineData("--RaftTimers:Telemetry:OtlpProtocol=udp", "RaftTimers:Telemetry:OtlpProtocol 'udp' must be grpc or http/protobuf", null)]
    [InlineData("--RaftTimers:Storage:StopBelowBytes=1048576", "RaftTimers:Storage:StopBelowBytes 1048576 must be at least", null)]
    [InlineData("--RaftTimers:Clock:MaxSkewMs=0", "RaftTimers:Clock:MaxSkewMs 0 must be at least 1", null)]
    public async Task A_bad_security_or_limit_setting_stops_the_node_at_start_with_exit_code_2(string setting, string message, string? secret)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "rafttimers-tests", Guid.NewGuid().ToString("N")[..12]);
        var port = FreePorts.FindRun(2);
        NodeProcess.Exit exit;
        try
        {
            exit = await NodeProcess.RunUntilExitAsync([setting, "--data", dataDirectory, "--http", $"http://127.0.0.1:{port}", "--raft", $"127.0.0.1:{port + 1}"]);
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
                Directory.Delete(dataDirectory, recursive: true);
        }

        Assert.True(exit.Code == 2, $"exit code {exit.Code}: {exit.Output}");
        Assert.StartsWith($"configuration error: {message}", exit.Stderr, StringComparison.Ordinal);
        if (secret is not null)
            Assert.DoesNotContain(secret, exit.Output, StringComparison.Ordinal);
    }
}

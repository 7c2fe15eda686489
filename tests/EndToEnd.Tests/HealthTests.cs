using System.Text.Json;
using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary><c>/health/live</c> and <c>/health/ready</c> on real node processes, including a node cut off from the majority.</summary>
public sealed class HealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private sealed record Probe(int Status, string Body)
    {
        public string? RaftCheck => JsonDocument.Parse(Body).RootElement.GetProperty("checks").GetProperty("raft").GetProperty("description").GetString();
    }

    private static async Task<Probe> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        return new Probe((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Raft(Probe probe) => JsonDocument.Parse(probe.Body).RootElement.GetProperty("checks").GetProperty("raft");

    private static Task<Probe> ReadyWithinDeadlineAsync(HttpClient http, string node)
        => Poll.UntilAsync(() => GetAsync(http, $"{node}/health/ready"), p => p.Status == 200, Deadline, p => $"{p.Status} {p.Body}");

    [Fact]
    public async Task Every_node_of_a_healthy_cluster_is_live_and_ready()
    {
        await using var cluster = await LocalCluster.StartAsync(3);

        foreach (var node in cluster.Urls)
        {
            var live = await GetAsync(cluster.Http, $"{node}/health/live");
            Assert.Equal(200, live.Status);
            Assert.Equal("Healthy", JsonDocument.Parse(live.Body).RootElement.GetProperty("status").GetString());

            // Ready may come before the leader's first entry commits (after a split first election nothing is committed
            // yet, so an empty state is the latest one): wait until the node also reports that entry applied.
            var ready = await Poll.UntilAsync(() => GetAsync(cluster.Http, $"{node}/health/ready"),
                p => p.Status == 200 && Raft(p).GetProperty("appliedIndex").GetInt64() >= 1, Deadline, p => $"{p.Status} {p.Body}");
            var raft = Raft(ready);
            Assert.Equal("Healthy", raft.GetProperty("status").GetString());
            Assert.True(raft.GetProperty("term").GetInt64() >= 1, ready.Body);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_cut_off_from_the_majority_is_not_ready_until_it_rejoins(bool cutOffTheLeader)
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.LeaderIndexAsync();
        var lone = cutOffTheLeader ? leader : (leader % 3) + 1;
        var url = cluster.Urls[lone - 1];
        var others = Enumerable.Range(1, 3).Where(i => i != lone).ToList();
        await ReadyWithinDeadlineAsync(cluster.Http, url);

        foreach (var other in others)
            await cluster.PauseAsync(other);
        try
        {
            var notReady = await Poll.UntilAsync(() => GetAsync(cluster.Http, $"{url}/health/ready"), p => p.Status == 503, Deadline, p => $"{p.Status} {p.Body}");
            Assert.Matches("no leader known|cannot confirm|not caught up", notReady.RaftCheck);
            Assert.Equal(200, (await GetAsync(cluster.Http, $"{url}/health/live")).Status);
        }
        finally
        {
            foreach (var other in others)
                await cluster.ResumeAsync(other);
        }

        var ready = await ReadyWithinDeadlineAsync(cluster.Http, url);
        Assert.Matches("^(leader|follower) in term [0-9]+, applied [0-9]+$", ready.RaftCheck);
    }

    /// <summary>
    /// The node binary's <c>probe</c> mode, as a container's exec probe or compose healthcheck runs it
    /// (docs/deploy.md): 0 while the node is ready, 1 once it is gone; without <c>--url</c> it finds the node through
    /// <c>RaftTimers__HttpUrl</c>, the container image's variable, a listen address on every interface included.
    /// </summary>
    [Fact]
    public async Task The_probe_mode_of_the_node_binary_exits_0_while_the_node_is_ready_and_1_once_it_is_gone()
    {
        await using var cluster = await LocalCluster.StartAsync(1);
        var url = cluster.Urls[0];
        await ReadyWithinDeadlineAsync(cluster.Http, url);
        Task<CliProcess.Result> ProbeAsync(string check, IReadOnlyDictionary<string, string>? environment, params string[] args)
            => CliProcess.RunProgramAsync("dotnet", [RepoPaths.NodeDll, "probe", check], args, environment);

        var ready = await ProbeAsync("ready", null, "--url", url);
        Assert.True(ready.ExitCode == 0, ready.ToString());
        Assert.Contains("\"status\":\"Healthy\"", ready.Stdout, StringComparison.Ordinal);
        var live = await ProbeAsync("live", null, "--url", url);
        Assert.True(live.ExitCode == 0, live.ToString());
        var everyInterface = new Dictionary<string, string> { ["RaftTimers__HttpUrl"] = $"http://0.0.0.0:{new Uri(url).Port}" };
        var configured = await ProbeAsync("ready", everyInterface);
        Assert.True(configured.ExitCode == 0, configured.ToString());

        await cluster.StopAsync(1);
        var gone = await ProbeAsync("ready", null, "--url", url);
        Assert.True(gone.ExitCode == 1, gone.ToString());
        Assert.Contains(url, gone.Stderr, StringComparison.Ordinal);
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using RaftTimers.Cluster.Tests.Infrastructure;

namespace RaftTimers.Cluster.Tests;

/// <summary><c>GET /metrics</c> on real node processes: valid Prometheus text, and the node's gauges move with its state.</summary>
[Collection(ThreeNodeCollection.Name)]
public sealed partial class MetricsTests(ThreeNodeCluster fixture)
{
    // A sample line of the Prometheus text format: name, optional {labels}, value (optional timestamp).
    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? ([-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""^# (TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)|HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*)$""")]
    private static partial Regex Comment();

    /// <summary>Scrapes a node and parses every line, failing on any that is not Prometheus text; returns the samples by name.</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync(string node)
    {
        using var response = await fixture.Cluster.Http.GetAsync($"{node}/metrics");
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {node}/metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = new Dictionary<string, double>();
        var typed = new HashSet<string>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(Comment(), line);
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                    typed.Add(line.Split(' ')[2]);
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var name = match.Groups[1].Value;
            Assert.True(typed.Contains(name), $"{name} has no # TYPE line before its samples");
            samples[name] = double.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture);
        }

        return samples;
    }

    [Fact]
    public async Task Every_node_serves_prometheus_text_whose_gauges_follow_its_state()
    {
        var (leader, _, _) = await fixture.RolesAsync();
        var before = new Dictionary<string, Dictionary<string, double>>();
        foreach (var node in fixture.Cluster.Urls)
            before[node] = await ScrapeAsync(node);
        foreach (var (node, samples) in before)
        {
            foreach (var name in (string[])["rafttimers_timers_pending", "rafttimers_raft_term", "rafttimers_raft_commit_index", "rafttimers_raft_applied_index", "rafttimers_raft_leader", "rafttimers_raft_leader_changes_total"])
                Assert.True(samples.ContainsKey(name), $"{node}/metrics lacks {name}");
            Assert.True(samples["rafttimers_raft_term"] >= 1);
        }

        // Exactly one node says it leads (polled: under load an election may be under way at any moment).
        await Poll.UntilAsync(async () =>
            {
                var leaders = 0.0;
                foreach (var node in fixture.Cluster.Urls)
                    leaders += (await ScrapeAsync(node))["rafttimers_raft_leader"];
                return leaders;
            }, leaders => leaders == 1, TimeSpan.FromSeconds(30), leaders => $"{leaders} nodes say they lead");

        const int created = 5;
        for (var i = 0; i < created; i++)
            await fixture.Cluster.Http.CreateOkAsync(leader, $"metrics-{Guid.NewGuid():N}", 3_600_000, fixture.Sink.UrlFor("metrics"));

        // Every node applies the creates: its pending gauge and applied index move (followers a little after the leader).
        foreach (var node in fixture.Cluster.Urls)
        {
            var after = await Poll.UntilAsync(() => ScrapeAsync(node),
                s => s["rafttimers_timers_pending"] >= before[node]["rafttimers_timers_pending"] + created
                     && s["rafttimers_raft_applied_index"] > before[node]["rafttimers_raft_applied_index"],
                TimeSpan.FromSeconds(30), s => $"{node}: pending {s["rafttimers_timers_pending"]}, applied {s["rafttimers_raft_applied_index"]}");
            Assert.True(after["rafttimers_raft_commit_index"] >= after["rafttimers_raft_applied_index"]);
        }
    }
}

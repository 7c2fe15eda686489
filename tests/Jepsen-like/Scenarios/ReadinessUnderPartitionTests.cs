using System.Diagnostics;
using System.Text.Json;
using RaftTimers.JepsenLike.NetworkTests;
using RaftTimers.JepsenLike.Orchestration;
using Xunit.Abstractions;

namespace RaftTimers.JepsenLike.Scenarios;

/// <summary>
/// <c>/health/ready</c> of a node that a real network partition (the namespace lab) cuts off from the other nodes:
/// 503 with a reason while cut off, 200 again after the partition heals. Liveness is unaffected throughout.
/// Skipped as NOT RUN where the lab cannot run.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class ReadinessUnderPartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_partitioned_node_is_not_ready_until_the_partition_heals(bool partitionTheLeader)
    {
        LabGate.Require(output);
        var runDirectory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "rafttimers-ready-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        await using var network = await LabNetwork.CreateAsync(3, CancellationToken.None);
        await using var nodes = new NodeSet(network, 3, runDirectory, []);
        using var http = new HttpClient(network.CreateClientHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            nodes.StartAll();
            var leader = await nodes.WaitForLeaderAsync(http, Deadline, CancellationToken.None);
            var lone = partitionTheLeader ? leader : nodes.Ids.First(id => id != leader);
            var url = nodes.UrlOf(lone);
            await UntilAsync(http, $"{url}/health/ready", 200);

            await network.PartitionAsync([[lone], [.. nodes.Ids.Where(id => id != lone)]]);
            var cutOff = await UntilAsync(http, $"{url}/health/ready", 503);
            Assert.Matches("no leader known|cannot confirm|not caught up", Description(cutOff));
            Assert.Equal(200, (await GetAsync(http, $"{url}/health/live")).Status);

            await network.HealAsync();
            var ready = await UntilAsync(http, $"{url}/health/ready", 200);
            Assert.Matches("^(leader|follower) in term [0-9]+, applied [0-9]+$", Description(ready));
        }
        catch
        {
            output.WriteLine($"node logs kept in {runDirectory}");
            throw;
        }

        await nodes.DisposeAsync();
        Directory.Delete(runDirectory, recursive: true);
    }

    private static string? Description((int Status, string Body) probe)
        => JsonDocument.Parse(probe.Body).RootElement.GetProperty("checks").GetProperty("raft").GetProperty("description").GetString();

    private static async Task<(int Status, string Body)> GetAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    /// <summary>Polls until the answer has <paramref name="status"/>, up to a generous deadline.</summary>
    private static async Task<(int Status, string Body)> UntilAsync(HttpClient http, string url, int status)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var probe = await GetAsync(http, url);
            if (probe.Status == status)
                return probe;
            if (clock.Elapsed > Deadline)
                throw new TimeoutException($"{url} did not answer {status} within {Deadline}: last {probe.Status} {probe.Body}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}

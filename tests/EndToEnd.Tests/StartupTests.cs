using RaftTimers.EndToEnd.Tests.Infrastructure;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A node with an empty data directory and several members must say whether it creates the cluster (--bootstrap) or
/// joins one (--join): an empty directory may be a member that lost its data, and seeding it as a voter with an
/// empty log could elect a leader lacking committed writes.
/// </summary>
public sealed class StartupTests
{
    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "rafttimers-tests", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task An_empty_node_of_several_members_refuses_to_start_without_bootstrap_or_join()
    {
        var data = NewDataDirectory();
        var ports = FreePorts.FindRun(4);
        try
        {
            var exit = await NodeProcess.RunUntilExitAsync(["--node-id", "n1", "--http", $"http://127.0.0.1:{ports}", "--raft", $"127.0.0.1:{ports + 1}",
                "--members", $"127.0.0.1:{ports + 1},127.0.0.1:{ports + 2},127.0.0.1:{ports + 3}", "--data", data]);
            Assert.True(exit.Code == 3, $"exit code {exit.Code}: {exit.Output}");
            Assert.Contains("holds no cluster membership", exit.Stderr, StringComparison.Ordinal);
            Assert.Contains("--bootstrap true", exit.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(data, "members.bin")), "a refused start must not seed the membership");

            var both = await NodeProcess.RunUntilExitAsync(["--http", $"http://127.0.0.1:{ports}", "--raft", $"127.0.0.1:{ports + 1}", "--data", data, "--join", "true", "--bootstrap", "true"]);
            Assert.True(both.Code == 2, $"exit code {both.Code}: {both.Output}");
            Assert.Contains("exclude each other", both.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
                Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_member_that_lost_its_data_is_not_started_again_as_a_voter()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var leader = await cluster.LeaderIndexAsync();
        var follower = (leader % 3) + 1;
        await cluster.StopAsync(follower);
        Directory.Delete(cluster.NodeDataDirectory(follower), recursive: true);

        // The cluster tool refuses to start it again...
        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.RestartAsync(follower));
        Assert.Contains("its data directory", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("cluster remove", refusal.Message, StringComparison.Ordinal);

        // ...and so does the node itself, given the command line it always had (members, no --bootstrap).
        var layout = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(cluster.NodeDataDirectory(follower))!, "cluster.json")));
        var node = layout.RootElement.GetProperty("nodes")[follower - 1];
        var members = string.Join(',', layout.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("raft").GetString()));
        var exit = await NodeProcess.RunUntilExitAsync(["--node-id", $"n{follower}", "--http", node.GetProperty("http").GetString()!,
            "--raft", node.GetProperty("raft").GetString()!, "--members", members, "--data", cluster.NodeDataDirectory(follower)]);
        Assert.True(exit.Code == 3, $"exit code {exit.Code}: {exit.Output}");
        Assert.Contains("holds no cluster membership", exit.Stderr, StringComparison.Ordinal);
    }
}

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

    /// <summary>
    /// A data directory the node's user may not create (a container's volume still owned by root, docs/deploy.md) stops
    /// the start with one line naming the path and exit code 3, not a stack trace. Root may create anything, so as root
    /// the node runs as nobody (setpriv), which needs the node's files readable by others.
    /// </summary>
    [SkippableFact]
    public async Task A_data_directory_the_node_may_not_create_stops_the_start_with_one_line()
    {
        var root = Environment.UserName == "root";
        var setpriv = new[] { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups" };
        if (root)
        {
            var readable = await CliProcess.RunProgramAsync(setpriv[0], [.. setpriv[1..], "test", "-r", RepoPaths.NodeDll], []);
            Skip.IfNot(readable.ExitCode == 0, $"NOT RUN: as root this test runs the node as nobody (setpriv), who cannot read {RepoPaths.NodeDll}");
        }

        // Nobody but root may create a directory in /.
        var data = $"/rafttimers-denied-{Guid.NewGuid():N}/node";
        var ports = FreePorts.FindRun(2);
        string[] node = ["dotnet", RepoPaths.NodeDll, "--http", $"http://127.0.0.1:{ports}", "--raft", $"127.0.0.1:{ports + 1}", "--data", data];
        string[] command = root ? [.. setpriv, .. node] : node;
        var exit = await CliProcess.RunProgramAsync(command[0], command[1..], [], new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = Path.GetTempPath() });
        Assert.True(exit.ExitCode == 3, exit.ToString());
        Assert.Contains($"cannot start node n1: Access to the path '{Path.GetDirectoryName(data)}", exit.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.Stderr, StringComparison.Ordinal);
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

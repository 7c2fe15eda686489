namespace RaftTimers.EndToEnd.Tests;

/// <summary>The backup procedure the README gives, on real node processes: copy a stopped member's data directory, restore it into every node.</summary>
public sealed class BackupTests
{
    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public async Task A_copy_of_a_stopped_members_data_directory_restores_the_cluster_to_that_moment()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var http = cluster.Http;
        var callback = "http://127.0.0.1:9/never"; // ten minutes away: nothing fires during the test
        var before = Enumerable.Range(0, 20).Select(i => $"bk-a-{i:D2}").ToList();
        foreach (var (id, i) in before.Select((id, i) => (id, i)))
            await http.CreateOkAsync(cluster.Urls[i % 3], id, 600_000, callback);

        // The backup: a follower stopped cleanly (the cluster keeps serving), its directory copied, the follower started again.
        var leader = await cluster.LeaderIndexAsync();
        var follower = (leader % 3) + 1;
        await Poll.UntilAsync(() => http.ListAllAsync(cluster.Urls[follower - 1], "bk-a-"), l => l.Count == before.Count, TimeSpan.FromSeconds(60),
            l => $"the follower holds {l.Count} of {before.Count}");
        await cluster.StopAsync(follower);
        var backup = Path.Combine(Path.GetTempPath(), "rafttimers-tests", "backup-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            CopyDirectory(cluster.NodeDataDirectory(follower), backup);
            await cluster.RestartAsync(follower);

            var after = Enumerable.Range(0, 10).Select(i => $"bk-b-{i:D2}").ToList();
            foreach (var id in after)
                await http.CreateOkAsync(cluster.Urls[0], id, 600_000, callback);

            // The restore: every node stopped, every data directory replaced by the copy, the cluster started again.
            await cluster.StopAsync();
            for (var node = 1; node <= 3; node++)
            {
                Directory.Delete(cluster.NodeDataDirectory(node), recursive: true);
                CopyDirectory(backup, cluster.NodeDataDirectory(node));
            }

            await cluster.StartAgainAsync();
            foreach (var node in cluster.Urls)
            {
                var timers = await Poll.UntilAsync(() => http.ListAllAsync(node, "bk-"), l => l.Count >= before.Count, TimeSpan.FromSeconds(60), l => $"{node} holds {l.Count}");
                Assert.Equal(before, timers.Select(t => t.Id).Order().ToList());
                Assert.All(timers, t => Assert.Equal("pending", t.State));
            }

            await http.CreateOkAsync(cluster.Urls[1], "bk-c-00", 600_000, callback);
        }
        finally
        {
            if (Directory.Exists(backup))
                Directory.Delete(backup, recursive: true);
        }
    }
}

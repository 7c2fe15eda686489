using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A follower's log damaged on disk while it was down (the last bytes written changed, as a disk that lost part of a
/// write leaves them; docs/storage.md). The node must refuse to start on it, saying why and what to do, instead of
/// applying what the damaged entry decodes to; the cluster goes on, and a fresh node in its place gets every timer.
/// </summary>
public sealed class DamagedLogTests
{
    [Fact]
    public async Task A_follower_with_a_damaged_log_refuses_to_start_and_a_fresh_node_replaces_it_with_every_timer()
    {
        await using var sink = await CallbackSink.StartAsync();
        await using var cluster = await LocalCluster.StartAsync(3, spareNodes: 1);
        var http = cluster.Http;
        var ids = Enumerable.Range(0, 30).Select(i => $"dl-{i:D2}").ToList();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await http.CreateOkAsync(cluster.Urls[i % 3], id, 15_000 + (i * 100L), sink.UrlFor(id));

        var leader = await cluster.LeaderIndexAsync();
        var damaged = (leader % 3) + 1;
        await cluster.KillAsync(damaged);
        DamageLastWrite(Path.Combine(cluster.NodeDataDirectory(damaged), "wal", "data"));

        var start = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.RestartAsync(damaged));
        Assert.Contains("exited with code 3", start.Message, StringComparison.Ordinal);
        var log = File.ReadAllText(cluster.NodeLog(damaged));
        Assert.Contains("is damaged (HashMismatchException", log, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot apply its Raft log", log, StringComparison.Ordinal);

        // What the message says to do: remove it, and bring a fresh node in its place.
        await cluster.RemoveAsync(damaged);
        var fresh = await cluster.AddAsync();
        // A node just added answers 503 until its membership is committed and it has caught up: keep asking.
        await Poll.UntilAsync(() => ListOrEmptyAsync(http, cluster.Urls[fresh - 1]), l => l.Count == ids.Count, TimeSpan.FromSeconds(60),
            l => $"the fresh node holds {l.Count} of {ids.Count}\n{cluster.LogTails()}");
        await sink.WaitUntilAsync(d => ids.All(id => d.Any(x => x.TimerId == id && x.AnsweredStatus == 200)), TimeSpan.FromSeconds(90),
            () => $"missing: {string.Join(",", ids.Where(id => sink.Deliveries.All(x => x.TimerId != id)))}\n{cluster.LogTails()}");
    }

    private static async Task<List<TimerInfo>> ListOrEmptyAsync(HttpClient http, string node)
    {
        try
        {
            return await http.ListAllAsync(node, "dl-");
        }
        catch (RaftTimersException)
        {
            // Not up yet, or still waiting to be added: nothing to see on it so far.
            return [];
        }
    }

    /// <summary>Flips the last 32 bytes written to the newest chunk of a log's entries.</summary>
    private static void DamageLastWrite(string dataDirectory)
    {
        var chunk = Directory.GetFiles(dataDirectory).OrderBy(f => long.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture)).Last();
        var bytes = File.ReadAllBytes(chunk);
        var end = Array.FindLastIndex(bytes, b => b != 0) + 1;
        Assert.True(end >= 32, $"{chunk} holds only {end} bytes");
        for (var i = end - 32; i < end; i++)
            bytes[i] ^= 0xFF;
        File.WriteAllBytes(chunk, bytes);
    }
}

using System.Diagnostics;
using System.Text.Json;
using RaftTimers.Client;

namespace RaftTimers.EndToEnd.Tests;

/// <summary>
/// A cluster whose members know each other only by name, as a Kubernetes StatefulSet names its pods (docs/deploy.md).
/// Each node runs in a mount namespace of its own whose /etc/hosts is a file of the test's, so the names resolve the way
/// a real resolver would, to loopback addresses of their own (127.0.0.11-13), and the test can move a name to another
/// address while the cluster runs. The Raft addresses, the members, the published API URLs and the forwarding between
/// nodes are all names. A member that comes back on another address under the same name is found there by a leader that
/// never restarted: names are resolved at connect time, not at start. Needs root for the mount namespaces; elsewhere the
/// test says NOT RUN (skipped), never passed.
/// </summary>
public sealed class DnsNameTests
{
    private const string Domain = "rafttimers.test";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task A_cluster_known_by_names_elects_forwards_fires_once_and_finds_a_moved_member_by_its_name()
    {
        Skip.IfNot(Environment.UserName == "root" && OperatingSystem.IsLinux() && File.Exists("/usr/bin/unshare"),
            "NOT RUN: a mount namespace with its own /etc/hosts needs root and unshare on Linux");
        var root = Path.Combine(Path.GetTempPath(), "rafttimers-dns-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var hosts = Path.Combine(root, "hosts");
        var ipOf = new Dictionary<int, string> { [1] = "127.0.0.11", [2] = "127.0.0.12", [3] = "127.0.0.13" };
        WriteHosts(hosts, ipOf);
        var first = FreePorts.FindRun(6);
        int HttpPort(int i) => first + i - 1;
        int RaftPort(int i) => first + 2 + i;
        string Name(int i) => $"n{i}.{Domain}";
        var members = string.Join(',', Enumerable.Range(1, 3).Select(i => $"{Name(i)}:{RaftPort(i)}"));
        string Url(int i) => $"http://{ipOf[i]}:{HttpPort(i)}";

        var nodes = new Dictionary<int, Process>();
        await using var sink = await CallbackSink.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            Process Start(int i, bool bootstrap, params string[] extra) => StartNode(root, hosts, i,
            [
                "--node-id", $"n{i}",
                "--http", $"http://{Name(i)}:{HttpPort(i)}",
                "--raft", $"{Name(i)}:{RaftPort(i)}",
                "--members", members,
                "--data", Path.Combine(root, $"n{i}"),
                .. bootstrap ? (string[])["--bootstrap", "true"] : [],
                "--RaftTimers:Security:Callbacks:Permit=127.0.0.0/8,localhost",
                .. extra,
            ]);
            for (var i = 1; i <= 3; i++)
                nodes[i] = Start(i, bootstrap: true);

            var leader = await AgreedLeaderAsync(http, [1, 2, 3], Url, root);
            // Every node knows itself and the others by name, as configured (lower case, host:port).
            for (var i = 1; i <= 3; i++)
            {
                var cluster = await ClusterAsync(http, Url(i));
                Assert.Equal($"{Name(i)}:{RaftPort(i)}", cluster.GetProperty("raft").GetString());
                var listed = cluster.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("raft").GetString()!).Order().ToList();
                Assert.Equal(members.Split(',').Order().ToList(), listed);
            }

            // A write through a follower reaches the leader at its published API URL, a name.
            var follower = Enumerable.Range(1, 3).First(i => i != leader);
            await http.CreateOkAsync(Url(follower), "dns-1", 300, sink.UrlFor("dns-1"));
            await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == "dns-1"), Deadline, () => LocalCluster.LogTails(root, 25));

            // The other follower dies; while it is down a timer is written, and its name moves to another address.
            var moved = Enumerable.Range(1, 3).First(i => i != leader && i != follower);
            nodes[moved].Kill();
            await nodes[moved].WaitForExitAsync();
            await http.CreateOkAsync(Url(leader), "dns-2", 600_000, sink.UrlFor("dns-2"));
            ipOf[moved] = $"127.0.0.2{moved}";
            WriteHosts(hosts, ipOf);

            // Back on the new address only: the leader, never restarted, must resolve the name again to reach it.
            nodes[moved] = Start(moved, bootstrap: false, $"--RaftTimers:RaftListen={ipOf[moved]}:{RaftPort(moved)}");
            var caughtUp = await Poll.UntilAsync(() => TryGetStatusAsync(http, Url(moved), "dns-2"), s => s == "pending", Deadline,
                s => $"the moved member answers {s ?? "nothing"} for dns-2\n{LocalCluster.LogTails(root, 25)}");
            Assert.Equal("pending", caughtUp);

            // Through the moved member, a write is forwarded to the leader by name and fires once.
            await http.CreateOkAsync(Url(moved), "dns-3", 300, sink.UrlFor("dns-3"));
            await sink.WaitUntilAsync(d => d.Any(x => x.TimerId == "dns-3"), Deadline, () => LocalCluster.LogTails(root, 25));
            Assert.Equal(leader, await AgreedLeaderAsync(http, [1, 2, 3], Url, root));
            Assert.Single(sink.Deliveries, d => d.TimerId == "dns-1");
            Assert.Single(sink.Deliveries, d => d.TimerId == "dns-3");
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                if (!node.HasExited)
                    node.Kill();
                node.Dispose();
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A node's last writes may still be closing; the temp folder goes with the machine.
            }
        }
    }

    /// <summary>Rewrites the file in place: each node's /etc/hosts is a bind mount of this very file, so it sees the change.</summary>
    private static void WriteHosts(string path, IReadOnlyDictionary<int, string> ipOf)
    {
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write);
        file.SetLength(0);
        using var writer = new StreamWriter(file);
        writer.Write("127.0.0.1 localhost\n" + string.Concat(ipOf.Select(p => $"{p.Value} n{p.Key}.{Domain}\n")));
    }

    /// <summary>
    /// The node in a private mount namespace whose /etc/hosts is <paramref name="hosts"/> (unshare makes its mounts
    /// private, so the machine's own /etc/hosts is untouched). unshare and sh exec the node, so the PID is the node's.
    /// </summary>
    private static Process StartNode(string root, string hosts, int index, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("unshare") { UseShellExecute = false };
        foreach (var arg in (string[])["--mount", "--", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\" >>\"$NODE_LOG\" 2>&1", hosts,
                     "dotnet", RepoPaths.NodeDll, .. args])
            start.ArgumentList.Add(arg);
        start.Environment["NODE_LOG"] = Path.Combine(root, $"n{index}.log");
        return Process.Start(start)!;
    }

    /// <summary>The leader all three agree on, by <see cref="LocalCluster.LeaderIndexAsync(HttpClient, IReadOnlyList{string}, TimeSpan, Func{string})"/>'s rule.</summary>
    private static Task<int> AgreedLeaderAsync(HttpClient http, int[] nodes, Func<int, string> url, string root)
        => LocalCluster.LeaderIndexAsync(http, [.. nodes.Select(url)], Deadline, () => LocalCluster.LogTails(root, 25));

    private static async Task<JsonElement> ClusterAsync(HttpClient http, string url) => (await http.Client(url).GetClusterAsync()).Json;

    private static async Task<string?> TryGetStatusAsync(HttpClient http, string url, string id)
    {
        try
        {
            return (await http.GetAsync(url, id))?.State;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or RaftTimersException)
        {
            return null;
        }
    }
}

using System.Diagnostics;
using RaftTimers.Client;

namespace RaftTimers.Support;

/// <summary>
/// A real cluster of node processes on loopback, driven through the same <c>tools/cluster</c> command
/// users run (its built cluster.dll, pointed at this build's node). Disposing stops every node.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string dataDirectory;
    private readonly List<string> startArgs;
    private readonly List<string> urls;

    private LocalCluster(string dataDirectory, List<string> startArgs, IEnumerable<string> urls)
    {
        this.dataDirectory = dataDirectory;
        this.startArgs = startArgs;
        this.urls = [.. urls];
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The admin token every test cluster's nodes get (the cluster tool passes it in their environment).</summary>
    public const string AdminToken = "test-admin-token";

    /// <summary>Node k's API URL at index k-1; nodes added later are appended, removed ones stay (they still run until stopped).</summary>
    public IReadOnlyList<string> Urls => urls;

    public HttpClient Http { get; }

    /// <summary>Where the cluster tool keeps its state, logs and (with TLS) certificates.</summary>
    public string DataDirectory => dataDirectory;

    /// <summary>Node <paramref name="index"/>'s data directory (1-based), as the cluster tool lays it out.</summary>
    public string NodeDataDirectory(int index) => Path.Combine(dataDirectory, $"n{index}");

    public static Task<LocalCluster> StartAsync(int nodes, params string[] nodeArgs) => StartAsync(nodes, spareNodes: 0, nodeArgs);

    /// <summary>Starts <paramref name="nodes"/> nodes with free ports kept for <paramref name="spareNodes"/> more, which <see cref="AddAsync"/> uses.</summary>
    public static Task<LocalCluster> StartAsync(int nodes, int spareNodes, params string[] nodeArgs)
        => StartInAsync(Path.Combine(Path.GetTempPath(), "rafttimers-tests", Guid.NewGuid().ToString("N")[..12]), nodes, spareNodes, nodeArgs);

    /// <summary>A cluster whose Raft ports speak plain TCP (<c>cluster start --tls false</c>); every other cluster's members speak mutual TLS.</summary>
    public static Task<LocalCluster> StartWithoutTlsAsync(int nodes, params string[] nodeArgs)
        => StartInAsync(Path.Combine(Path.GetTempPath(), "rafttimers-tests", Guid.NewGuid().ToString("N")[..12]), nodes, 0, ["--tls", "false"], nodeArgs);

    /// <summary>A cluster whose nodes keep their data under <paramref name="dataDirectory"/> (say, a small file system of the test's own).</summary>
    public static Task<LocalCluster> StartInAsync(string dataDirectory, int nodes, int spareNodes, params string[] nodeArgs)
        => StartInAsync(dataDirectory, nodes, spareNodes, [], nodeArgs);

    private static async Task<LocalCluster> StartInAsync(string dataDirectory, int nodes, int spareNodes, string[] toolArgs, string[] nodeArgs)
    {
        var httpPort = FreePorts.FindRun(nodes + spareNodes);
        var raftPort = FreePorts.FindRun(nodes + spareNodes);
        List<string> args =
        [
            "start", "--nodes", nodes.ToString(), "--http-port", httpPort.ToString(), "--raft-port", raftPort.ToString(),
            "--data", dataDirectory, "--timeout-seconds", "90", "--admin-token", AdminToken,
            .. toolArgs,
        ];
        if (nodeArgs.Length > 0)
        {
            args.Add("--");
            args.AddRange(nodeArgs);
        }

        var output = await RunToolAsync(args);
        var urls = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length != nodes)
            throw new InvalidOperationException($"tools/cluster started {urls.Length} nodes, not {nodes}");
        return new LocalCluster(dataDirectory, args, urls);
    }

    /// <summary><c>cluster add</c>: starts the next node in join mode and has the cluster add it; returns its 1-based index.</summary>
    public async Task<int> AddAsync()
    {
        var output = await RunToolAsync(["add", "--data", dataDirectory, "--timeout-seconds", "120"]);
        urls.Add(output.Trim());
        return urls.Count;
    }

    /// <summary><c>cluster remove</c>: has the cluster remove node <paramref name="index"/> (1-based), then stops it.</summary>
    public Task RemoveAsync(int index) => RunToolAsync(["remove", "--data", dataDirectory, "--node", index.ToString(), "--timeout-seconds", "120"]);

    /// <summary>The log file of node <paramref name="index"/> (1-based).</summary>
    public string NodeLog(int index) => Path.Combine(dataDirectory, $"n{index}.log");

    /// <summary>SIGKILL of node <paramref name="index"/> (1-based).</summary>
    public Task KillAsync(int index) => RunToolAsync(["kill", "--data", dataDirectory, "--node", index.ToString()]);

    /// <summary>SIGSTOP of node <paramref name="index"/> (1-based): it stops answering anyone until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync(int index) => RunToolAsync(["pause", "--data", dataDirectory, "--node", index.ToString()]);

    public Task ResumeAsync(int index) => RunToolAsync(["resume", "--data", dataDirectory, "--node", index.ToString()]);

    public Task RestartAsync(int index) => RunToolAsync(["restart", "--data", dataDirectory, "--node", index.ToString(), "--timeout-seconds", "90"]);

    public Task StopAsync() => RunToolAsync(["stop", "--data", dataDirectory]);

    /// <summary>SIGTERM to node <paramref name="index"/> only (1-based): a clean stop, as before a backup copy.</summary>
    public Task StopAsync(int index) => RunToolAsync(["stop", "--data", dataDirectory, "--node", index.ToString()]);

    /// <summary>
    /// Waits until no node's process runs any more (<c>cluster status</c> says each is stopped), for nodes that stop on
    /// their own: a node's API closes before its process ends (a leader hands off its leadership in between).
    /// </summary>
    public async Task WaitUntilExitedAsync(TimeSpan timeout)
        => await Poll.UntilAsync(() => RunToolAsync(["status", "--data", dataDirectory]),
            status => status.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(line => line.Contains("stopped", StringComparison.Ordinal)),
            timeout, status => $"nodes still running:\n{status}");

    /// <summary>Starts every stopped node of this cluster again on its existing data, waiting until a leader is elected.</summary>
    public Task StartAgainAsync() => RunToolAsync(startArgs);

    /// <summary>
    /// The 1-based index of the leader of the newest term any reachable node reports, once every reachable node in that
    /// term that names a leader names it. A leader that was paused still calls itself leader until it hears of the term
    /// that replaced it; the newest term is what tells the two apart.
    /// </summary>
    public Task<int> LeaderIndexAsync(TimeSpan? timeout = null) => LeaderIndexAsync(Http, Urls, timeout ?? TimeSpan.FromSeconds(30), () => LogTails());

    /// <summary>The same, over the nodes at <paramref name="urls"/> of a cluster started otherwise; <paramref name="logs"/> explains a timeout.</summary>
    public static async Task<int> LeaderIndexAsync(HttpClient http, IReadOnlyList<string> urls, TimeSpan limit, Func<string> logs)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var views = await Task.WhenAll(urls.Select(url => ClusterViewAsync(http, url)));
            var reachable = views.OfType<ClusterView>().ToList();
            if (reachable.Count > 0)
            {
                var term = reachable.Max(v => v.Term);
                var newest = reachable.Where(v => v.Term == term).ToList();
                var leaders = newest.Where(v => v.IsLeader).ToList();
                if (leaders.Count == 1 && newest.All(v => v.LeaderRaft is null || v.LeaderRaft == leaders[0].Raft))
                    return Array.IndexOf(views, leaders[0]) + 1;
            }

            if (deadline.Elapsed > limit)
                throw new TimeoutException($"no leader within {limit}\n{logs()}");
            await Task.Delay(Poll.Interval);
        }
    }

    private sealed record ClusterView(string Raft, bool IsLeader, long Term, string? LeaderRaft);

    /// <summary>What node <paramref name="url"/> says of the cluster, or null when it does not answer soon (stopped or paused).</summary>
    private static async Task<ClusterView?> ClusterViewAsync(HttpClient http, string url)
    {
        try
        {
            using var soon = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var info = (await http.Client(url).GetClusterAsync(soon.Token)).Json;
            var leader = info.GetProperty("leader");
            return new ClusterView(
                info.GetProperty("raft").GetString()!,
                info.GetProperty("role").GetString() == "leader",
                info.GetProperty("term").GetInt64(),
                leader.ValueKind == System.Text.Json.JsonValueKind.Object ? leader.GetProperty("raft").GetString() : null);
        }
        catch (Exception e) when (e is RaftTimersException or OperationCanceledException or HttpRequestException)
        {
            return null;
        }
    }

    public string LogTails(int lines = 30) => LogTails(dataDirectory, lines);

    /// <summary>The last <paramref name="lines"/> of every node log (<c>*.log</c>) in <paramref name="directory"/>.</summary>
    public static string LogTails(string directory, int lines = 30)
    {
        var text = new System.Text.StringBuilder();
        foreach (var log in Directory.Exists(directory) ? Directory.GetFiles(directory, "*.log").Order() : Enumerable.Empty<string>())
        {
            text.AppendLine($"--- {Path.GetFileName(log)}");
            foreach (var line in File.ReadLines(log).TakeLast(lines))
                text.AppendLine(line);
        }

        return text.ToString();
    }

    private static async Task<string> RunToolAsync(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.ClusterToolDll);
        start.ArgumentList.Add(args[0]);
        start.ArgumentList.Add("--node-dll");
        start.ArgumentList.Add(RepoPaths.NodeDll);
        foreach (var arg in args.Skip(1))
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster {string.Join(' ', args)} failed ({process.ExitCode}):\n{await stderr}\n{await stdout}");
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Http.Dispose();
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

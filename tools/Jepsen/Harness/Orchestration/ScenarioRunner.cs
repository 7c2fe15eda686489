using RaftTimers.JepsenLike.Checker;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Nemesis;
using RaftTimers.JepsenLike.Workload;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>The result of one run: the record the checker read, its verdicts, and where the artifacts are.</summary>
public sealed record RunOutcome(
    ScenarioOptions Options,
    string Mode,
    RunRecord Run,
    IReadOnlyList<CheckResult> Results,
    IReadOnlyList<(double AtMs, string Leader)> LeaderChanges,
    double StartedAtMs,
    bool Settled,
    string OutputDirectory)
{
    public bool Passed => Results.All(r => r.Passed);
}

/// <summary>
/// Runs one scenario end to end, Jepsen-style: start the sink and the nodes (in their namespaces in lab mode),
/// run the workload and the nemesis together for the duration, heal every fault, wait for the cluster to
/// settle, read every node's final state, then check the history, the sink log and the states together.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Node settings for fault runs: quick retries, so a run settles within seconds of the heal.</summary>
    public static readonly string[] NodeArgs =
    [
        "--RaftTimers:Delivery:InitialBackoffMs=200",
        "--RaftTimers:Delivery:MaxBackoffMs=2000",
        "--RaftTimers:Delivery:MaxAttempts=8",
        "--RaftTimers:Delivery:AttemptTimeoutMs=3000",
        "--RaftTimers:RequestTimeoutMs=4000",
    ];

    public static async Task<RunOutcome> RunAsync(ScenarioOptions options, Func<int, Task<IHostNetwork>> createNetwork, Action<string> log, CancellationToken token)
    {
        var scenario = Scenarios.Named(options.Scenario);
        var output = options.OutputDirectory ?? Path.Combine(Path.GetTempPath(), "rafttimers-jepsen", $"{options.Scenario}-{options.Seed}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        Directory.CreateDirectory(output);
        var random = new Random(options.Seed);

        await using var network = await createNetwork(options.Nodes).ConfigureAwait(false);
        log($"{scenario.Name}: seed {options.Seed}, {options.Nodes} nodes, {network.Mode} network, output {output}");

        var startedAt = Clock.NowMs() + 8_000; // the sink's fault plan is laid out from about when the workload starts
        var sinkFaults = scenario.SinkFaults(startedAt, options.Duration);
        await using var sink = await SinkHost.StartAsync(network, output, options.Seed, sinkFaults, token).ConfigureAwait(false);
        var ids = Enumerable.Range(1, options.Nodes).Select(k => $"n{k}");
        await using var disks = scenario.NeedsDisks ? await NodeDisks.MountAsync(output, ids).ConfigureAwait(false) : null;
        await using var nodes = new NodeSet(network, options.Nodes, output, [.. NodeArgs, .. scenario.NodeArgs], disks);
        using var http = new HttpClient(network.CreateClientHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        nodes.StartAll();
        var firstLeader = await nodes.WaitForLeaderAsync(http, TimeSpan.FromSeconds(60), token).ConfigureAwait(false);
        log($"leader {firstLeader} elected");

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(token);
        var watcher = new LeaderWatcher(nodes, http);
        var watchTask = watcher.RunAsync(watching.Token);

        var faults = new FaultLog();
        var historyPath = Path.Combine(output, "history.jsonl");
        startedAt = Clock.NowMs();
        using (var history = new HistoryWriter(historyPath))
        {
            var workload = new TimerWorkload(http, nodes.Urls, sink.Url, options.Seed, new WorkloadOptions(), history);
            using var nemesisStop = CancellationTokenSource.CreateLinkedTokenSource(token);
            nemesisStop.CancelAfter(options.Duration);
            var context = new NemesisContext(nodes, network, http, random, faults);
            await Task.WhenAll(workload.RunAsync(options.Duration, token), scenario.RunNemesis(context, nemesisStop.Token)).ConfigureAwait(false);
        }

        // Heal everything, then give the cluster time to deliver what is due.
        await network.HealAsync().ConfigureAwait(false);
        nodes.ReviveAll();
        foreach (var window in sinkFaults)
            faults.Add(window);
        var healedAt = Math.Max(Clock.NowMs(), sinkFaults.Select(w => w.EndMs).DefaultIfEmpty(0).Max());
        log($"workload done; {faults.Windows.Count} faults; healing");
        await nodes.WaitForLeaderAsync(http, TimeSpan.FromSeconds(60), token).ConfigureAwait(false);
        var settled = await FinalStateReader.WaitUntilSettledAsync(http, nodes, options.SettleTimeout, token).ConfigureAwait(false);
        var finals = await FinalStateReader.ReadAllAsync(http, nodes, token).ConfigureAwait(false);
        var observedUntil = Clock.NowMs();
        await watching.CancelAsync().ConfigureAwait(false);
        await watchTask.ConfigureAwait(false);

        await nodes.DisposeAsync().ConfigureAwait(false);
        await sink.DisposeAsync().ConfigureAwait(false);

        var run = new RunRecord(HistoryFile.Read(File.ReadLines(historyPath)), SinkLog.Read(sink.LogPath), finals, faults.Windows, healedAt, observedUntil);
        var results = RunChecker.Check(run, scenario.EarlyToleranceMs);
        return new RunOutcome(options, network.Mode, run, results, watcher.Changes, startedAt, settled, output);
    }
}

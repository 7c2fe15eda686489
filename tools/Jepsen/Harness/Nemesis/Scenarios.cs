using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>The scenarios the issue names. Each is a loop of inject → hold → heal with randomised gaps.</summary>
public static class Scenarios
{
    public static readonly IReadOnlyList<Scenario> All =
    [
        new("leader-kill-loop", "kill -9 the leader, restart it a few seconds later, repeatedly", false, LeaderKillLoopAsync),
        new("leader-pause", "SIGSTOP the leader for longer than the election timeout, then SIGCONT, repeatedly", false, LeaderPauseAsync),
        new("partition-minority", "cut one node (minority) from the other two (majority), heal, repeatedly", true, MinorityPartitionAsync),
        new("isolate-leader", "cut the leader from every other node, heal, repeatedly", true, IsolateLeaderAsync),
        new("kill-all", "kill -9 every node at once, restart them all, repeatedly", false, KillAllAsync),
        new("callback-faults", "the callback receiver answers 503 and 429, answers slowly, or drops the connection after processing", false, NoNodeFaultsAsync)
        {
            SinkFaults = CallbackFaultWindows,
        },
        // Regression for a bug this harness found: entries were stamped with the node's current term, which a
        // vote request can bump while a deposed leader still appends; its stale entries then matched the new
        // leader's terms, were never truncated, and its state parted from the others'. Seed 12 reproduced it.
        new("stale-leader-term", "regression: pause the leader while clients keep writing to it (stale-term entries must not split the logs)", false, LeaderPauseAsync),
        new("bridge", "split the nodes into two sides that only one bridge node can reach both of, heal, repeatedly", true, BridgeAsync),
        new("membership", "remove a node (sometimes the leader) through the admin API, wipe it, add it back as a fresh node, repeatedly", false, MembershipAsync),
        new("flapping", "cut and heal a random minority every few hundred milliseconds", true, FlappingAsync),
        new("clock-faults", "step a node's wall clock 2 s ahead or behind or an hour ahead, or let it drift 100 ms/s, the leader half the time; put it right", false, ClockFaultsAsync)
        {
            NodeArgs = [NodeSet.ClockFileArg],
            EarlyToleranceMs = ClockToleranceMs,
        },
        new("disk-faults", "fill a node's disk below the node's free-space limits (507s, or the node stops itself), or tear its log's last write after a kill; give the room back, or replace the node", false, DiskFaultsAsync)
        {
            NeedsDisks = true,
            NodeArgs = NodeDisks.NodeArgs,
        },
        new("mixed", "a random mix of every fault above", true, MixedAsync)
        {
            SinkFaults = CallbackFaultWindows,
            NeedsDisks = true,
            NodeArgs = [NodeSet.ClockFileArg, .. NodeDisks.NodeArgs],
            EarlyToleranceMs = ClockToleranceMs,
        },
    ];

    /// <summary>
    /// How early a callback may be under the clock faults: the skew the nodes allow (RaftTimers:Clock:MaxSkewMs, 500 ms),
    /// what a drifting clock gains between two samples (100 ms/s over the 1 s sample interval), and half a round trip
    /// of a sample on a loaded machine (docs/clocks.md).
    /// </summary>
    public const double ClockToleranceMs = 500 + 100 + 100;

    public static Scenario Named(string name)
        => All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}");

    private static async Task LeaderKillLoopAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested || await c.Nodes.LeaderAsync(c.Http, token).ConfigureAwait(false) is not { } leader)
                continue;
            await c.Faults.HoldAsync("kill", leader, () => c.Nodes.KillAsync(leader), c.Between(2, 4),
                () => { c.Nodes.Start(leader); return Task.CompletedTask; }, token).ConfigureAwait(false);
        }
    }

    private static async Task LeaderPauseAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested || await c.Nodes.LeaderAsync(c.Http, token).ConfigureAwait(false) is not { } leader)
                continue;
            await c.Faults.HoldAsync("pause", leader, () => { c.Nodes.Pause(leader); return Task.CompletedTask; }, c.Between(2, 4),
                () => { c.Nodes.Resume(leader); return Task.CompletedTask; }, token).ConfigureAwait(false);
        }
    }

    private static async Task MinorityPartitionAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                break;
            var minority = c.Nodes.Ids[c.Random.Next(c.Nodes.Ids.Count)];
            var majority = c.Nodes.Ids.Where(n => n != minority).ToList();
            await c.Faults.HoldAsync("partition", $"{minority} | {string.Join(",", majority)}",
                () => c.Network.PartitionAsync([[minority], majority]), c.Between(4, 6), c.Network.HealAsync, token).ConfigureAwait(false);
        }
    }

    private static async Task IsolateLeaderAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested || await c.Nodes.LeaderAsync(c.Http, token).ConfigureAwait(false) is not { } leader)
                continue;
            var others = c.Nodes.Ids.Where(n => n != leader).ToList();
            await c.Faults.HoldAsync("isolate-leader", leader,
                () => c.Network.PartitionAsync([[leader], others]), c.Between(4, 6), c.Network.HealAsync, token).ConfigureAwait(false);
        }
    }

    /// <summary>Jepsen's bridge: the nodes minus one split in two halves; the remaining node talks to both.</summary>
    private static async Task BridgeAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                break;
            var shuffled = c.Nodes.Ids.OrderBy(_ => c.Random.Next()).ToList();
            var bridge = shuffled[0];
            var rest = shuffled.Skip(1).ToList();
            var left = rest.Take(rest.Count / 2).ToList();
            var right = rest.Skip(rest.Count / 2).ToList();
            await c.Faults.HoldAsync("bridge", $"{string.Join(",", left)} | {bridge} | {string.Join(",", right)}",
                () => c.Network.CutAsync(left.SelectMany(a => right.Select(b => (a, b)))), c.Between(4, 6), c.Network.HealAsync, token).ConfigureAwait(false);
        }
    }

    /// <summary>Short cuts in quick succession, so elections start and abort over and over.</summary>
    private static async Task FlappingAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(0.2, 0.8), token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                break;
            var minority = c.Nodes.Ids[c.Random.Next(c.Nodes.Ids.Count)];
            await c.Faults.HoldAsync("flap", minority,
                () => c.Network.PartitionAsync([[minority], c.Nodes.Ids.Where(n => n != minority).ToList()]), c.Between(0.2, 0.8), c.Network.HealAsync, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Remove one node, stop it and delete its data, then start it empty in join mode and add it back: the cluster
    /// runs one member short while it is out, and the returning node must catch up from a snapshot and the log.
    /// The heal runs even when the run ends mid-fault, so the run always ends with every node a member.
    /// </summary>
    private static async Task MembershipAsync(NemesisContext c, CancellationToken token)
    {
        var changes = new MembershipChanges(c.Nodes, c.Http);
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(3, 5), token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                break;
            var target = c.Nodes.Ids[c.Random.Next(c.Nodes.Ids.Count)];
            await c.Faults.HoldAsync("membership", target,
                async () =>
                {
                    await changes.RemoveAsync(target, CancellationToken.None).ConfigureAwait(false);
                    await c.Nodes.KillAsync(target).ConfigureAwait(false);
                    c.Nodes.WipeForRejoin(target);
                },
                c.Between(2, 4),
                async () =>
                {
                    c.Nodes.Start(target);
                    await changes.AddAsync(target, CancellationToken.None).ConfigureAwait(false);
                },
                token).ConfigureAwait(false);
        }
    }

    private static async Task KillAllAsync(NemesisContext c, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            await c.PauseAsync(c.Between(6, 9), token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
                break;
            await c.Faults.HoldAsync("kill-all", "all",
                () => Task.WhenAll(c.Nodes.Ids.Select(c.Nodes.KillAsync)), c.Between(1, 3),
                () => { c.Nodes.ReviveAll(); return Task.CompletedTask; }, token).ConfigureAwait(false);
        }
    }

    /// <summary>One node's clock at a time, wrong for a few seconds: a step either way, a jump of an hour, or a drift.</summary>
    private static async Task ClockFaultsAsync(NemesisContext c, CancellationToken token)
    {
        (string Kind, long OffsetMs, double DriftMsPerSecond)[] faults =
        [
            ("clock-ahead-2s", 2_000, 0),
            ("clock-behind-2s", -2_000, 0),
            ("clock-ahead-1h", 3_600_000, 0),
            ("clock-drift-ahead", 0, 100),
            ("clock-drift-behind", 0, -100),
        ];
        while (await c.PauseThenPickTargetAsync(token).ConfigureAwait(false) is { } target)
        {
            var (kind, offsetMs, drift) = faults[c.Random.Next(faults.Length)];
            await c.Faults.HoldAsync(kind, target, () => c.Nodes.SetClockAsync(target, offsetMs, drift), c.Between(4, 8),
                () => c.Nodes.SetClockAsync(target, 0), token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One node's disk at a time (docs/storage.md): nearly full, where a leader answers creates with 507; full, where
    /// the node must stop by itself (exit 5) and start again once there is room; or its log's last write torn after a
    /// kill, where it must refuse to start (exit 3), and is then removed, wiped and added back as the message says.
    /// A torn write that only reaches entries a snapshot already holds is harmless, and the node starts.
    /// </summary>
    private static async Task DiskFaultsAsync(NemesisContext c, CancellationToken token)
    {
        var changes = new MembershipChanges(c.Nodes, c.Http);
        string[] kinds = c.Nodes.Disks is null ? ["torn-write"] : ["disk-low", "disk-full", "torn-write"];
        while (await c.PauseThenPickTargetAsync(token).ConfigureAwait(false) is { } target)
        {
            var disks = c.Nodes.Disks;
            switch (kinds[c.Random.Next(kinds.Length)])
            {
                case "disk-low":
                    await c.Faults.HoldAsync("disk-low", target,
                        () => { disks!.Fill(target, (NodeDisks.MinFreeBytes + NodeDisks.StopBelowBytes) / 2); return Task.CompletedTask; }, c.Between(4, 8),
                        () => { disks!.Free(target); return Task.CompletedTask; }, token).ConfigureAwait(false);
                    break;
                case "disk-full":
                    await c.Faults.HoldAsync("disk-full", target,
                        async () =>
                        {
                            disks!.Fill(target, NodeDisks.StopBelowBytes / 2);
                            var code = await c.Nodes.WaitForExitAsync(target, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                            if (code != 5)
                                throw new InvalidOperationException($"{target} did not stop by itself on a full disk (exit code {code?.ToString() ?? "none, still running"}); log {c.Nodes.LogOf(target)}");
                        },
                        c.Between(1, 3),
                        () => { disks!.Free(target); c.Nodes.Start(target); return Task.CompletedTask; }, token).ConfigureAwait(false);
                    break;
                default:
                    var refused = false;
                    await c.Faults.HoldAsync("torn-write", target,
                        async () =>
                        {
                            await c.Nodes.KillAsync(target).ConfigureAwait(false);
                            if (TornWrite.Tear(c.Nodes.DataDirectoryOf(target), c.Random) == 0)
                                throw new InvalidOperationException($"{target}'s log holds nothing to tear");
                            var logLength = new FileInfo(c.Nodes.LogOf(target)).Length;
                            c.Nodes.Start(target);
                            var code = await c.Nodes.StartOutcomeAsync(target, c.Http, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                            refused = code is not null;
                            if (refused)
                                await c.Nodes.WaitForExitAsync(target, TimeSpan.FromSeconds(10)).ConfigureAwait(false); // drains its output into the log
                            if (refused && (code != 3 || !NewLogText(c.Nodes.LogOf(target), logLength).Contains("is damaged", StringComparison.Ordinal)))
                                throw new InvalidOperationException($"{target} on a torn log exited with code {code}, not refusing as damaged (3); log {c.Nodes.LogOf(target)}");
                        },
                        c.Between(1, 3),
                        async () =>
                        {
                            if (!refused)
                                return;
                            await changes.RemoveAsync(target, CancellationToken.None).ConfigureAwait(false);
                            c.Nodes.WipeForRejoin(target);
                            c.Nodes.Start(target);
                            await changes.AddAsync(target, CancellationToken.None).ConfigureAwait(false);
                        },
                        token).ConfigureAwait(false);
                    break;
            }
        }
    }

    private static string NewLogText(string path, long from)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Position = Math.Min(from, file.Length);
        return new StreamReader(file).ReadToEnd();
    }

    private static Task NoNodeFaultsAsync(NemesisContext c, CancellationToken token) => c.PauseAsync(Timeout.InfiniteTimeSpan, token);

    private static async Task MixedAsync(NemesisContext c, CancellationToken token)
    {
        Func<NemesisContext, CancellationToken, Task>[] faults = c.Network.CanPartition
            ? [LeaderKillLoopAsync, LeaderPauseAsync, MinorityPartitionAsync, IsolateLeaderAsync, KillAllAsync, BridgeAsync, FlappingAsync, MembershipAsync, ClockFaultsAsync, DiskFaultsAsync]
            : [LeaderKillLoopAsync, LeaderPauseAsync, KillAllAsync, MembershipAsync, ClockFaultsAsync, DiskFaultsAsync];
        while (!token.IsCancellationRequested)
        {
            // One fault kind at a time, for a stretch, so each shows clearly on the timeline.
            using var stretch = CancellationTokenSource.CreateLinkedTokenSource(token);
            stretch.CancelAfter(c.Between(15, 25));
            await faults[c.Random.Next(faults.Length)](c, stretch.Token).ConfigureAwait(false);
        }
    }

    /// <summary>503s, 429s, drops after processing and slow answers, in turn, over the run.</summary>
    private static IReadOnlyList<FaultWindow> CallbackFaultWindows(double startMs, TimeSpan duration)
    {
        var windows = new List<FaultWindow>();
        string[] kinds = ["error5xx:0.5", "drop:0.3", "slow:1500", "error429:0.5"];
        var at = startMs + 4_000;
        var end = startMs + duration.TotalMilliseconds - 2_000;
        for (var i = 0; at + 4_000 <= end; i++, at += 7_000)
            windows.Add(new FaultWindow($"sink-{kinds[i % kinds.Length]}", "sink", at, at + 4_000));
        return windows;
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Cluster;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;
using RaftTimers.Tools.Bench.Sink;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>
/// <c>bench restart</c>: how long a node holding the cluster's timers takes to come back after <c>kill -9</c>.
/// <c>bench failover</c>: with timers falling due steadily, <c>kill -9</c> of the leader; time to the first
/// accepted write and to the first callback after the kill. Both drive a tools/cluster cluster (<c>--cluster</c>).
/// </summary>
public static class RecoveryMode
{
    public static async Task<int> RestartAsync(BenchArgs args, CancellationToken token)
    {
        var common = CommonOptions.Read(args);
        var nodeId = args.Text("node");
        var leader = args.Flag("leader");
        args.RejectUnknown();
        var cluster = common.Cluster ?? throw new UsageException("restart needs --cluster DIR (a tools/cluster directory)");
        using var api = new TimerApi(8, TimeSpan.FromSeconds(10));

        var states = await StatesAsync(api, cluster, token).ConfigureAwait(false);
        var victim = nodeId is not null ? cluster.Nodes.First(n => n.Id == nodeId)
            : cluster.Nodes.First(n => states.TryGetValue(n.Id, out var s) && (s.Role == "leader") == leader);
        var before = states[victim.Id];
        var commitBefore = states.Values.Max(s => s.CommitIndex);

        NodeKiller.Kill(cluster, victim.Id);
        var clock = Stopwatch.StartNew();
        await cluster.RestartAsync(victim.Id).ConfigureAwait(false);
        var serving = clock.Elapsed;
        NodeStatus now;
        while (true)
        {
            now = await StateAsync(api, victim.Http, token).ConfigureAwait(false) ?? default;
            if (now.AppliedIndex >= commitBefore && now.Pending >= before.Pending)
                break;
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"{victim.Id} did not catch up within 5 minutes");
            await Task.Delay(10, token).ConfigureAwait(false);
        }

        var caughtUp = clock.Elapsed;
        var result = new BenchResult("restart");
        result.Section("settings").Add("cluster", cluster.Directory).Add("node", victim.Id).Add("role before", before.Role);
        result.Section("results")
            .Add("pending timers held", before.Pending).Add("applied index before", before.AppliedIndex)
            .Add("kill -9 to serving with a known leader", serving.TotalSeconds, "s", "F2")
            .Add("kill -9 to caught up (all timers back)", caughtUp.TotalSeconds, "s", "F2")
            .Add("pending timers after", now.Pending);
        await common.FinishAsync(result).ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> FailoverAsync(BenchArgs args, CancellationToken token)
    {
        var common = CommonOptions.Read(args, concurrency: 64, rate: 500, duration: 0, warmup: 0);
        var rounds = args.Int("rounds", 3, 1, 100);
        var timerMs = args.Int("timer-ms", 1000, 1);
        var settleSeconds = args.Double("settle", 5, 1);
        var shape = TimerShape.Read(args, "http://127.0.0.1", "f", common.Padding);
        args.RejectUnknown();
        var cluster = common.Cluster ?? throw new UsageException("failover needs --cluster DIR (a tools/cluster directory)");
        await using var sink = await SinkProcess.StartAsync("127.0.0.1").ConfigureAwait(false);
        using var api = new TimerApi(common.Concurrency + 8, TimeSpan.FromSeconds(15), common.RawClient);
        using var probeApi = new TimerApi(64, TimeSpan.FromSeconds(1));
        shape.CallbackBase = sink.CallbackBase;

        // The steady stream: creates round-robin over every node; a create to the dead node fails and is not counted.
        var acked = new System.Collections.Concurrent.ConcurrentDictionary<long, long>();
        using var stopStream = CancellationTokenSource.CreateLinkedTokenSource(token);
        var all = Targets.All(cluster.Nodes.Select(n => n.Http));
        var streamLength = TimeSpan.FromDays(1);
        var timeline = new Timeline(TimeSpan.FromMilliseconds(100), streamLength);
        var stream = new LoadRun(new LoadShape(common.Concurrency, common.Rate, streamLength, TimeSpan.Zero), async (seq, ct) =>
        {
            var r = await api.CreateAsync(all.Next(), shape.Body(seq, timerMs), shape.Id(seq), ct).ConfigureAwait(false);
            if (r.Status == 201)
                acked[seq] = (r.DueAtUnixMs ?? 0) * 1000;
            return new OpOutcome(r.Status == 201, r.Status, r.Reason);
        }, null)
        {
            Timeline = timeline,
        };
        var streaming = stream.RunAsync(stopStream.Token);

        // Each round's moments on the timeline's axis, seconds since the stream started: the kill and the restart by
        // the monotonic clock the stream's buckets use, the rest as the kill's time plus the delays measured above.
        var roundEvents = new JsonArray();
        double StreamSeconds(long timestamp) => Math.Round((double)(timestamp - stream.MeasuredFrom) / Stopwatch.Frequency, 3);
        static JsonNode? After(double killSeconds, double? ms) => ms is { } m ? JsonValue.Create(Math.Round(killSeconds + (m / 1000), 3)) : null;

        var writeTimes = new List<double>();
        var fireTimes = new List<double>();
        var electionTimes = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(settleSeconds), token).ConfigureAwait(false);
            var states = await StatesAsync(api, cluster, token).ConfigureAwait(false);
            var leader = cluster.Nodes.First(n => states.TryGetValue(n.Id, out var s) && s.Role == "leader");
            var survivors = cluster.Nodes.Where(n => n != leader).ToList();

            var killedAt = UnixClock.NowMicros;
            var killSeconds = StreamSeconds(Stopwatch.GetTimestamp());
            NodeKiller.Kill(cluster, leader.Id);
            var clock = Stopwatch.StartNew();

            // First accepted write: every 10 ms a new create to each survivor (1 s deadline each), not waiting for the
            // earlier ones, so a request stuck on the dead leader never hides a later one that succeeds. Likewise a
            // GET /cluster every 10 ms to each survivor for the first one that says it leads.
            long writeAt = 0, electedAt = 0;
            string? electedNode = null;
            var outstanding = new List<Task>();
            while (Interlocked.Read(ref writeAt) == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                foreach (var n in survivors)
                {
                    outstanding.Add(Task.Run(async () =>
                    {
                        try
                        {
                            // A probe's seq is negative: its callback, a minute later, is not one of the stream's.
                            var r = await probeApi.CreateAsync(n.Http, shape.Body(-1, 60_000), null, token).ConfigureAwait(false);
                            if (r.Status == 201)
                                Interlocked.CompareExchange(ref writeAt, UnixClock.NowMicros, 0);
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                        {
                            // refused, reset, timed out: not accepted yet
                        }
                    }, token));
                    if (Interlocked.Read(ref electedAt) == 0)
                    {
                        outstanding.Add(Task.Run(async () =>
                        {
                            if (await StateAsync(probeApi, n.Http, token).ConfigureAwait(false) is { Role: "leader" }
                                && Interlocked.CompareExchange(ref electedAt, UnixClock.NowMicros, 0) == 0)
                                electedNode = n.Id;
                        }, token));
                    }
                }

                await Task.Delay(10, token).ConfigureAwait(false);
            }

            await Task.WhenAll(outstanding).ConfigureAwait(false);
            double? writeMs = writeAt == 0 ? null : (writeAt - killedAt) / 1000.0;
            double? electedMs = electedAt == 0 ? null : (electedAt - killedAt) / 1000.0;

            // First fire after the kill. Arrivals in the first 200 ms can be the old leader's, sent before it died and
            // still queued in the sink: no new leader can fire that soon (the election timeout is 300 ms at least).
            double? fireMs = null;
            while (fireMs is null && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                var first = (await sink.ReadAsync(token).ConfigureAwait(false))
                    .Where(a => a.UnixMicros > killedAt + OldLeaderMarginMicros).Select(a => a.UnixMicros).DefaultIfEmpty(0).Min();
                if (first > 0)
                    fireMs = (first - killedAt) / 1000.0;
                else
                    await Task.Delay(50, token).ConfigureAwait(false);
            }

            if (writeMs is { } w)
                writeTimes.Add(w);
            if (fireMs is { } f)
                fireTimes.Add(f);
            if (electedMs is { } el)
                electionTimes.Add(el);
            Console.Error.WriteLine($"failover round {round}: killed {leader.Id}; new leader seen after {electedMs:F0} ms, first accepted write {writeMs:F0} ms, first fire {fireMs:F0} ms");
            await cluster.RestartAsync(leader.Id).ConfigureAwait(false);
            roundEvents.Add(new JsonObject
            {
                [RoundKilled] = leader.Id, [RoundKill] = killSeconds, [RoundNewLeader] = electedNode,
                [RoundElected] = After(killSeconds, electedMs), [RoundWrite] = After(killSeconds, writeMs),
                [RoundFire] = After(killSeconds, fireMs), [RoundRestarted] = StreamSeconds(Stopwatch.GetTimestamp()),
            });
            await WaitCaughtUpAsync(api, cluster, token).ConfigureAwait(false);
        }

        await Task.Delay(TimeSpan.FromSeconds(settleSeconds), token).ConfigureAwait(false);
        await stopStream.CancelAsync().ConfigureAwait(false);
        try
        {
            await streaming.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Every acknowledged timer must arrive once: wait for the last ones.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<Arrival> arrivals;
        HashSet<long> arrived;
        while (true)
        {
            arrivals = await sink.ReadAsync(token).ConfigureAwait(false);
            arrived = arrivals.Where(a => a.Seq >= 0).Select(a => a.Seq).ToHashSet();
            if (acked.Keys.All(arrived.Contains) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(500, token).ConfigureAwait(false);
        }

        var missing = acked.Keys.Count(k => !arrived.Contains(k));
        var streamArrivals = arrivals.Where(a => a.Seq >= 0).ToList();
        var duplicates = streamArrivals.Count - streamArrivals.Select(a => a.Seq).Distinct().Count();
        var keyMismatches = streamArrivals.GroupBy(a => a.Seq).Count(g => g.Select(a => a.Key).Distinct().Count() > 1);
        var lateness = new LatencyHistogram();
        long early = 0;
        foreach (var a in streamArrivals.GroupBy(a => a.Seq).Select(g => g.MinBy(x => x.UnixMicros)))
        {
            if (acked.TryGetValue(a.Seq, out var due) && due > 0)
            {
                if (a.UnixMicros < due)
                    early++;
                else
                    lateness.Record(a.UnixMicros - due);
            }
        }

        var result = new BenchResult("failover");
        common.AddTo(result);
        result.Add("rounds", rounds).Add("timer timeout", timerMs, "ms");
        result.Section("results");
        Summary(result, "kill -9 to new leader seen", electionTimes);
        Summary(result, "kill -9 to first accepted write", writeTimes);
        Summary(result, "kill -9 to first fire", fireTimes);
        result.Section("stream")
            .Add("creates acknowledged", acked.Count).Add("creates failed (dead node, outage)", stream.Failed)
            .Add("missing", missing).Add("duplicates (re-deliveries)", duplicates)
            .Add("duplicates with a different Idempotency-Key", keyMismatches).Add("early", early)
            .Latency("lateness", lateness.Summarize());
        timeline.Report(result, stream.Measured);
        result.Data(RoundsKey, roundEvents);
        await common.FinishAsync(result).ConfigureAwait(false);
        return missing == 0 && early == 0 && keyMismatches == 0 && writeTimes.Count == rounds && fireTimes.Count == rounds ? 0 : 1;
    }

    private const long OldLeaderMarginMicros = 200_000;

    /// <summary>Failover's rounds in the JSON's timeline section: the names <c>bench plot</c> reads; times in seconds since the stream started.</summary>
    public const string RoundsKey = "failover rounds";
    public const string RoundKilled = "killed", RoundKill = "kill (s)", RoundNewLeader = "new leader",
        RoundElected = "new leader seen (s)", RoundWrite = "first accepted write (s)", RoundFire = "first fire (s)",
        RoundRestarted = "restarted (s)";

    /// <summary>Until every node answers and has applied what the leader had committed: the next kill meets a whole cluster.</summary>
    private static async Task WaitCaughtUpAsync(TimerApi api, LocalCluster cluster, CancellationToken token)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            var states = await StatesAsync(api, cluster, token).ConfigureAwait(false);
            if (states.Count == cluster.Nodes.Count && states.Values.FirstOrDefault(s => s.Role == "leader") is { Role: "leader" } leader
                && states.Values.All(s => s.AppliedIndex >= leader.CommitIndex - 100))
                return;
            await Task.Delay(200, token).ConfigureAwait(false);
        }

        throw new InvalidOperationException("the cluster did not catch up within 5 minutes after a restart");
    }

    private static void Summary(BenchResult result, string name, List<double> samples)
    {
        if (samples.Count == 0)
        {
            result.Add(name, "never");
            return;
        }

        result.Add(name, string.Join(", ", samples.Select(s => s.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))) + " ms"
            + $" (max {samples.Max():F0})");
    }

    private readonly record struct NodeStatus(string Role, long CommitIndex, long AppliedIndex, long Pending);

    private static async Task<Dictionary<string, NodeStatus>> StatesAsync(TimerApi api, LocalCluster cluster, CancellationToken token)
    {
        var states = new Dictionary<string, NodeStatus>();
        foreach (var node in cluster.Nodes)
        {
            if (await StateAsync(api, node.Http, token).ConfigureAwait(false) is { } s)
                states[node.Id] = s;
        }

        return states;
    }

    private static async Task<NodeStatus?> StateAsync(TimerApi api, Uri node, CancellationToken token)
    {
        try
        {
            using var doc = await api.GetJsonAsync(new Uri(node, "/cluster"), token).ConfigureAwait(false);
            var r = doc.RootElement;
            return new NodeStatus(r.GetProperty("role").GetString()!, r.GetProperty("commitIndex").GetInt64(),
                r.GetProperty("appliedIndex").GetInt64(), r.GetProperty("pendingTimers").GetInt64());
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            return null; // down, refusing, or not answering in time
        }
    }
}

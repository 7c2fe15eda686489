using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;
using RaftTimers.Tools.Bench.Sink;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>
/// <c>bench precision</c>: creates timers at <c>--rate</c> per second, each due <c>--timer-ms</c> after its create, so
/// timers fall due at a steady rate; a callback sink in its own process records every arrival. Lateness is the
/// arrival minus the server's <c>dueAt</c> (from the 201; the send time plus the timeout for servers that do not
/// say). Reports missing (acknowledged, never arrived), duplicates and early arrivals over every timer, and
/// lateness over the timers created after the warm-up.
/// </summary>
public static class PrecisionMode
{
    public static async Task<int> RunAsync(BenchArgs args, CancellationToken token)
    {
        var common = CommonOptions.Read(args, concurrency: 256, rate: 5000, duration: 60, warmup: 20);
        var timerMs = args.Int("timer-ms", 2000, 1);
        var burst = args.Flag("burst");
        var graceSeconds = args.Double("grace", 15, 1);
        var sinkHost = args.Text("sink-host", "127.0.0.1");
        var shape = TimerShape.Read(args, "http://127.0.0.1", "p", common.Padding);
        args.RejectUnknown();
        if (common.Rate <= 0)
            throw new UsageException("precision needs --rate > 0");

        await using var sink = await SinkProcess.StartAsync(sinkHost).ConfigureAwait(false);
        shape.CallbackBase = sink.CallbackBase;
        using var api = new TimerApi(common.Concurrency, TimeSpan.FromSeconds(30), common.RawClient);
        var targets = await Targets.ResolveAsync(common.Nodes, common.To, api, token).ConfigureAwait(false);
        var capacity = (int)Math.Ceiling(common.Rate * (common.Duration + common.Warmup).TotalSeconds) + 16;
        var dueMicros = new long[capacity];

        // --burst: every timer is due at one instant, --timer-ms after the last create is sent; each create asks for the
        // time left until then. The server's dueAt values show how close together they really are (the stamp is the
        // leader's clock when the create reaches it).
        var burstDueMicros = UnixClock.NowMicros + (long)((common.Warmup + common.Duration).TotalMilliseconds * 1000) + (timerMs * 1000L);
        var acked = new bool[capacity];
        var serverDue = 0L;

        async Task<OpOutcome> Operation(long seq, CancellationToken ct)
        {
            var sent = UnixClock.NowMicros;
            var timeoutMs = burst ? Math.Max(1, (burstDueMicros - sent) / 1000) : timerMs;
            var response = await api.CreateAsync(targets.Next(), shape.Body(seq, timeoutMs), shape.Id(seq), ct).ConfigureAwait(false);
            if (response.Status != 201)
                return new OpOutcome(false, response.Status, response.Reason);
            if (response.DueAtUnixMs is { } due)
            {
                dueMicros[seq] = due * 1000;
                Interlocked.Increment(ref serverDue);
            }
            else
            {
                dueMicros[seq] = sent + (timeoutMs * 1000L);
            }

            Volatile.Write(ref acked[seq], true);
            return new OpOutcome(true, 201);
        }

        var usage = common.Usage();
        var run = new LoadRun(new LoadShape(common.Concurrency, common.Rate, common.Duration, common.Warmup), Operation, common.Progress("precision"))
        {
            Usage = usage,
        };
        await run.RunAsync(token).ConfigureAwait(false);
        var roles = usage is null ? [] : await Targets.RolesAsync(common.Nodes, api, token).ConfigureAwait(false);
        var issued = (int)Math.Min(capacity, run.Succeeded + run.Failed);

        // Wait for the last timers' due time plus the grace, or until every acknowledged timer has arrived.
        var ackedCount = acked.Count(a => a);
        var lastDue = dueMicros.Max();
        var waitUntil = lastDue + (long)(graceSeconds * 1_000_000);
        if (!common.Quiet)
            Console.Error.WriteLine($"precision: waiting for callbacks ({ackedCount:N0} acknowledged)...");
        while (UnixClock.NowMicros < waitUntil && await sink.CountAsync(token).ConfigureAwait(false) < ackedCount)
            await Task.Delay(500, token).ConfigureAwait(false);
        var arrivals = await sink.ReadAsync(token).ConfigureAwait(false);

        // Timers created in the warm-up are checked like the others (missing, duplicate, early) but left out of
        // the lateness figures: on a fresh node the JIT is still compiling for the first ~25 s.
        var firstMeasured = burst ? 0 : (long)(common.Rate * common.Warmup.TotalSeconds); // a burst is measured whole
        var lateness = new LatencyHistogram();
        var warmupLateness = new LatencyHistogram();
        var distribution = new LogBuckets();
        var perSecond = new SortedDictionary<long, List<long>>();
        var seen = new int[capacity];
        long early = 0, duplicates = 0, unackedArrived = 0, foreign = 0;
        long earliestMicros = long.MaxValue;
        var ourPrefix = "p" + shape.RunId;
        foreach (var a in arrivals)
        {
            // Ours: our run in the callback's path, or (shared callbacks) our prefix on a client-chosen id.
            var foreignRun = a.Run.Length > 0 ? a.Run != shape.RunId : shape.ClientIds && !a.TimerId.StartsWith(ourPrefix, StringComparison.Ordinal);
            if (a.Seq < 0 || a.Seq >= capacity || foreignRun)
            {
                foreign++;
                continue;
            }

            if (++seen[a.Seq] > 1)
            {
                duplicates++;
                continue;
            }

            if (!acked[a.Seq])
            {
                unackedArrived++;
                continue;
            }

            var late = a.UnixMicros - dueMicros[a.Seq];
            earliestMicros = Math.Min(earliestMicros, late);
            if (late < 0)
                early++;
            else if (a.Seq >= firstMeasured)
            {
                lateness.Record(late);
                distribution.Record(late);
                var second = dueMicros[a.Seq] / 1_000_000;
                if (!perSecond.TryGetValue(second, out var list))
                    perSecond[second] = list = [];
                list.Add(late);
            }
            else
                warmupLateness.Record(late);
        }

        long missing = 0;
        for (var i = 0; i < capacity; i++)
        {
            if (acked[i] && seen[i] == 0)
                missing++;
        }

        var result = new BenchResult("precision");
        common.AddTo(result);
        result.Add("targets", string.Join(",", targets.Servers)).Add("sink", sink.Address.ToString());
        shape.Describe(result, timerMs);
        result
            .Add("due time from", serverDue == ackedCount ? "server dueAt" : serverDue == 0 ? "send time + timeout" : "mixed");
        if (burst)
        {
            var due = dueMicros.Where((d, i) => acked[i]).DefaultIfEmpty().ToArray();
            result.Section("burst")
                .Add("due spread (last dueAt - first)", (due.Max() - due.Min()) / 1000.0, "ms", "N1")
                .Add("callbacks arrived", arrivals.Count);
        }
        result.Section("creates")
            .Add("acknowledged", ackedCount).Add("failed", run.Failed).Add("issued", issued)
            .Add("create rate", run.Throughput, "/s", "N0").Latency("create latency", run.Latency.Summarize());
        result.Section("fires")
            .Add("arrivals", arrivals.Count).Add("missing", missing).Add("duplicates", duplicates).Add("early", early)
            .Add("unacknowledged creates that fired", unackedArrived).Add("foreign arrivals", foreign)
            .Latency("lateness", lateness.Summarize())
            .Latency("lateness in the warm-up", warmupLateness.Summarize());
        if (earliestMicros != long.MaxValue)
            result.Add("smallest lateness", earliestMicros / 1000.0, "ms", "F3");
        AddPerSecond(result, perSecond);
        distribution.Report(result, DistributionSection);
        usage?.Report(result, run.Succeeded, roles);
        foreach (var (reason, count) in run.Failures.OrderByDescending(f => f.Value).Take(10))
            result.Section("failures").Add(reason, count);
        await common.FinishAsync(result).ConfigureAwait(false);
        return missing == 0 && early == 0 ? 0 : 1;
    }

    /// <summary>The section with the measured timers' lateness as a histogram (<see cref="LogBuckets"/>), which <c>bench plot</c> draws.</summary>
    public const string DistributionSection = "lateness distribution";

    /// <summary>
    /// Lateness p99 and max for each second of due time over the measured timers: shows whether the tail is a few
    /// bad seconds (pauses, snapshots, elections) or spread over the whole run (queueing).
    /// </summary>
    private static void AddPerSecond(BenchResult result, SortedDictionary<long, List<long>> perSecond)
    {
        if (perSecond.Count == 0)
            return;
        var p99 = new List<double>(perSecond.Count);
        var max = new List<double>(perSecond.Count);
        foreach (var list in perSecond.Values)
        {
            list.Sort();
            p99.Add(list[Math.Min(list.Count - 1, (int)Math.Ceiling(list.Count * 0.99) - 1)] / 1000.0);
            max.Add(list[^1] / 1000.0);
        }

        var sorted = p99.Order().ToList();
        result.Section("lateness per second of due time")
            .Add("seconds", perSecond.Count)
            .Add("seconds with p99 over 25 ms", p99.Count(v => v > 25))
            .Add("seconds with max over 250 ms", max.Count(v => v > 250))
            .Add("median second's p99", sorted[sorted.Count / 2], "ms")
            .Series("p99 by second", p99)
            .Series("max by second", max);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>
/// <c>bench create</c>: create throughput, closed loop with C workers (or at <c>--rate</c>).
/// <c>bench mix</c>: the same with a share of the operations cancelling timers created earlier in the run.
/// Timers are due far in the future (<c>--timer-ms</c>, default one hour) so firing does not mix into the figure.
/// </summary>
public static class CreateMode
{
    public static async Task<int> RunAsync(BenchArgs args, bool mix, CancellationToken token)
    {
        var common = CommonOptions.Read(args);
        var timerMs = args.Int("timer-ms", 3_600_000, 1);
        var shape = TimerShape.Read(args, args.Text("callback", "http://127.0.0.1:9"), "b", common.Padding);
        var cancelShare = mix ? args.Double("cancel-share", 0.3, 0) : 0;
        if (cancelShare >= 1)
            throw new UsageException("--cancel-share must be below 1");
        args.RejectUnknown();

        using var api = new TimerApi(common.Concurrency, TimeSpan.FromSeconds(30), common.RawClient);
        var targets = await Targets.ResolveAsync(common.Nodes, common.To, api, token).ConfigureAwait(false);
        var creates = new LatencyHistogram();
        var cancels = new LatencyHistogram();
        var created = new ConcurrentQueue<string>();
        long cancelled = 0;
        var random = new ThreadLocal<Random>(() => new Random(Environment.CurrentManagedThreadId));

        async Task<OpOutcome> Operation(long seq, CancellationToken ct)
        {
            var started = Stopwatch.GetTimestamp();
            var target = targets.NextIndex();
            if (cancelShare > 0 && random.Value!.NextDouble() < cancelShare && created.TryDequeue(out var victim))
            {
                var (status, reason) = await api.CancelAsync(targets.Servers[target], victim, ct).ConfigureAwait(false);
                cancels.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                if (status == 202)
                    Interlocked.Increment(ref cancelled);
                return new OpOutcome(status == 202, status, reason) { Target = target };
            }

            var response = await api.CreateAsync(targets.Servers[target], shape.Body(seq, timerMs), shape.Id(seq), ct).ConfigureAwait(false);
            if (mix)
            {
                // Only mix reports creates and cancels apart (all of them, warm-up included).
                creates.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                if (response.Status == 201 && response.Id is not null)
                    created.Enqueue(response.Id);
            }

            return new OpOutcome(response.Status == 201, response.Status, response.Reason) { Target = target };
        }

        var usage = common.Usage();
        var timeline = new Timeline(TimeSpan.FromSeconds(1), common.Duration, targets.Servers.Count);
        var run = new LoadRun(new LoadShape(common.Concurrency, common.Rate, common.Duration, common.Warmup), Operation, common.Progress(mix ? "mix" : "create"))
        {
            Usage = usage,
            Timeline = timeline,
        };
        await run.RunAsync(token).ConfigureAwait(false);
        var roles = usage is null ? [] : await Targets.RolesAsync(common.Nodes, api, token).ConfigureAwait(false);

        var result = new BenchResult(mix ? "mix" : "create");
        common.AddTo(result);
        result.Add("targets", string.Join(",", targets.Servers));
        shape.Describe(result, timerMs);
        if (mix)
            result.Add("cancel share", cancelShare, "", "F2");
        result.Section("results")
            .Add("succeeded", run.Succeeded)
            .Add("failed", run.Failed)
            .Add("measured", run.Measured.TotalSeconds, "s")
            .Add("throughput", run.Throughput, "ops/s", "N0")
            .Latency("latency", run.Latency.Summarize());
        if (run.PerSecond.Count > 0)
            result.Add("slowest second", run.PerSecond.Min(), "ops/s", "N0").Add("fastest second", run.PerSecond.Max(), "ops/s", "N0");
        if (mix)
            result.Add("cancelled (202)", cancelled).Latency("create latency, all", creates.Summarize()).Latency("cancel latency, all", cancels.Summarize());
        usage?.Report(result, run.Succeeded, roles);
        foreach (var (reason, count) in run.Failures.OrderByDescending(f => f.Value).Take(10))
            result.Section("failures").Add(reason, count);
        timeline.Report(result, run.Measured, targets.Servers);
        await common.FinishAsync(result).ConfigureAwait(false);
        return run.Failed == 0 ? 0 : 1;
    }
}

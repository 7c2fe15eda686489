using System.Text;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>
/// <c>bench capacity</c>: measures every node's managed heap (after a full collection, <c>GET /debug/memory</c>),
/// loads <c>--timers</c> pending timers due far in the future, waits until every node holds them, and measures
/// again. Memory per timer = heap growth / timers; "beyond payload" subtracts the bytes the client sent that a
/// node must keep (id, data, callback uri/method/transport) as UTF-8.
/// </summary>
public static class CapacityMode
{
    public static async Task<int> RunAsync(BenchArgs args, CancellationToken token)
    {
        var common = CommonOptions.Read(args, concurrency: 128, warmup: 0, duration: 3600);
        var timers = args.Int("timers", 1_000_000, 1);
        var timerMs = args.Int("timer-ms", 86_400_000, 1);
        var shape = TimerShape.Read(args, args.Text("callback", "http://127.0.0.1:9"), "c", common.Padding);
        args.RejectUnknown();

        using var api = new TimerApi(common.Concurrency, TimeSpan.FromSeconds(60), common.RawClient);
        var targets = await Targets.ResolveAsync(common.Nodes, common.To, api, token).ConfigureAwait(false);
        var before = await MeasureAllAsync(api, common.Nodes, token).ConfigureAwait(false);
        long created = 0;

        using var stopWhenLoaded = CancellationTokenSource.CreateLinkedTokenSource(token);
        var run = new LoadRun(new LoadShape(common.Concurrency, common.Rate, common.Duration, TimeSpan.Zero),
            async (seq, ct) =>
            {
                if (seq >= timers)
                {
                    await stopWhenLoaded.CancelAsync().ConfigureAwait(false);
                    return new OpOutcome(true, 0);
                }

                var response = await api.CreateAsync(targets.Next(), shape.Body(seq, timerMs), shape.Id(seq), ct).ConfigureAwait(false);
                if (response.Status == 201)
                    Interlocked.Increment(ref created);
                return new OpOutcome(response.Status == 201, response.Status, response.Reason);
            }, common.Progress("capacity"));
        await run.RunAsync(stopWhenLoaded.Token).ConfigureAwait(false);
        token.ThrowIfCancellationRequested();

        // Every node must hold the new timers before measuring (followers apply a little after the leader).
        var expected = before.ToDictionary(b => b.Node, b => b.Pending + created);
        List<NodeMemory> after;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            after = await MeasureAllAsync(api, common.Nodes, token).ConfigureAwait(false);
            if (after.All(a => a.Pending >= expected[a.Node]) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(1000, token).ConfigureAwait(false);
        }

        var payload = PayloadBytes(shape, timers / 2);
        var result = new BenchResult("capacity");
        common.AddTo(result);
        result.Add("timers asked", timers).Add("created", created).Add("failed", run.Failed)
            .Add("load rate", run.Throughput, "/s", "N0").Add("payload per timer", payload, "B");
        shape.Describe(result, timerMs);
        foreach (var b in before)
        {
            var a = after.First(x => x.Node == b.Node);
            var held = a.Pending - b.Pending; // counts creates whose answer was cut off when loading stopped, too
            var perTimer = held <= 0 ? 0 : (double)(a.HeapBytes - b.HeapBytes) / held;
            result.Section(b.Node)
                .Add("pending before", b.Pending).Add("pending after", a.Pending)
                .Add("managed heap before", b.HeapBytes / 1048576.0, "MiB").Add("managed heap after", a.HeapBytes / 1048576.0, "MiB")
                .Add("working set after", a.WorkingSetBytes / 1048576.0, "MiB")
                .Add("bytes per timer", perTimer, "B").Add("bytes per timer beyond payload", perTimer - payload, "B")
                .Add("full GC took", a.CollectMs, "ms");
        }

        await common.FinishAsync(result).ConfigureAwait(false);
        return run.Failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// What the node must keep of a timer, as UTF-8: its id (a 36-character UUID when the server makes it), the data
    /// JSON, the callback's uri, method and transport.
    /// </summary>
    private static int PayloadBytes(TimerShape shape, long seq)
        => Encoding.UTF8.GetByteCount(shape.Id(seq) ?? Guid.Empty.ToString("D")) + Encoding.UTF8.GetByteCount(shape.DataJson(seq))
           + Encoding.UTF8.GetByteCount(shape.CallbackUri(seq)) + "post".Length + "http".Length;

    internal static async Task<List<NodeMemory>> MeasureAllAsync(TimerApi api, IReadOnlyList<Uri> nodes, CancellationToken token)
    {
        var list = new List<NodeMemory>();
        foreach (var node in nodes)
        {
            try
            {
                using var doc = await api.GetJsonAsync(new Uri(node, "/debug/memory"), token).ConfigureAwait(false);
                var r = doc.RootElement;
                list.Add(new NodeMemory(r.GetProperty("nodeId").GetString()!, r.GetProperty("managedHeapBytes").GetInt64(),
                    r.GetProperty("workingSetBytes").GetInt64(), r.GetProperty("pendingTimers").GetInt64(), r.GetProperty("collectMs").GetDouble()));
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                throw new UsageException($"{node} has no /debug/memory: start the nodes with --RaftTimers:Diagnostics:MemoryEndpoint=true");
            }
        }

        return list;
    }
}

internal sealed record NodeMemory(string Node, long HeapBytes, long WorkingSetBytes, long Pending, double CollectMs);

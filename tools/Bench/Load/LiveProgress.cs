using System.Diagnostics;
using System.Globalization;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// Prints one line per second while a run goes: elapsed time, successes per second, failures and that second's
/// latency percentiles. On a terminal the line is rewritten in place; otherwise (CI logs) one line per second.
/// </summary>
public sealed class LiveProgress(TextWriter output, string label)
{
    private readonly bool terminal = !Console.IsErrorRedirected && ReferenceEquals(output, Console.Error);
    private LatencyHistogram window = new();
    private readonly List<double> perSecond = [];
    private CancellationTokenSource? stop;
    private Task? loop;

    public void Start(LoadRun run, long measureFrom)
    {
        stop = new CancellationTokenSource();
        loop = Task.Run(() => LoopAsync(run, measureFrom, stop.Token));
    }

    public void Record(long micros) => Volatile.Read(ref window).Record(micros);

    public async Task<IReadOnlyList<double>> StopAsync()
    {
        if (stop is null || loop is null)
            return [];
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        if (terminal)
            output.WriteLine();
        return perSecond;
    }

    private async Task LoopAsync(LoadRun run, long measureFrom, CancellationToken token)
    {
        long lastOk = 0;
        var started = Stopwatch.GetTimestamp();
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await ticker.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                var ok = Interlocked.Read(ref run.Completed);
                var failed = Interlocked.Read(ref run.Failed);
                var second = Interlocked.Exchange(ref window, new LatencyHistogram());
                var rate = ok - lastOk;
                lastOk = ok;
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var warming = Stopwatch.GetTimestamp() < measureFrom;
                if (!warming)
                    perSecond.Add(rate);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{label} {elapsed,5:F0}s{(warming ? " (warm-up)" : "")}  {rate,8:N0}/s  ok {ok,10:N0}  failed {failed,6:N0}  p50 {second.Percentile(50) / 1000.0,7:F1} ms  p99 {second.Percentile(99) / 1000.0,7:F1} ms  max {second.Max / 1000.0,7:F1} ms");
                if (terminal)
                    output.Write("\r" + line.PadRight(120));
                else
                    output.WriteLine(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

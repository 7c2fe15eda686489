using System.Collections.Concurrent;
using System.Diagnostics;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// What one operation reports: whether it succeeded, and its status (0 for a transport error); <see cref="Target"/> is
/// the index of the server it went to, for a <see cref="Timeline"/> that tells the targets apart.
/// </summary>
public readonly record struct OpOutcome(bool Ok, int Status, string? Error = null)
{
    public int Target { get; init; }
}

/// <summary>How to drive a run: <see cref="Rate"/> 0 is a closed loop (each worker sends as soon as its last answer came).</summary>
public sealed record LoadShape(int Concurrency, double Rate, TimeSpan Duration, TimeSpan Warmup);

/// <summary>
/// Runs one operation from many async workers for a duration, closed loop or at a fixed rate. At a fixed rate each
/// operation has a scheduled start and its latency is measured from it, so a stalled server is not hidden by the
/// load generator waiting (no coordinated omission). Operations in the warm-up are done but not counted.
/// </summary>
public sealed class LoadRun(LoadShape shape, Func<long, CancellationToken, Task<OpOutcome>> operation, LiveProgress? progress)
{
    private readonly ConcurrentDictionary<string, long> failures = new(StringComparer.Ordinal);
    private long sequence = -1;

    public LatencyHistogram Latency { get; } = new();

    /// <summary>Successes after the warm-up: each one's latency is recorded.</summary>
    public long Succeeded => Latency.Count;

    /// <summary>Successes including the warm-up, for the live display.</summary>
    public long Completed;
    public long Failed;
    public readonly List<double> PerSecond = [];

    public IReadOnlyDictionary<string, long> Failures => failures;

    public TimeSpan Measured { get; private set; }

    /// <summary>When set, started when the warm-up ends and stopped when the measured window ends.</summary>
    public ServerUsage? Usage { get; init; }

    /// <summary>When set, every measured operation is counted in it by the time it finished.</summary>
    public Timeline? Timeline { get; init; }

    /// <summary>The Stopwatch timestamp at which the measured window opens (the end of the warm-up), once the run started.</summary>
    public long MeasuredFrom { get; private set; }

    public async Task RunAsync(CancellationToken token)
    {
        var started = Stopwatch.GetTimestamp();
        var warmupEnd = started + (long)(shape.Warmup.TotalSeconds * Stopwatch.Frequency);
        MeasuredFrom = warmupEnd;
        var end = warmupEnd + (long)(shape.Duration.TotalSeconds * Stopwatch.Frequency);
        var interval = shape.Rate > 0 ? Stopwatch.Frequency / shape.Rate : 0;
        progress?.Start(this, warmupEnd);

        async Task Worker()
        {
            while (!token.IsCancellationRequested)
            {
                var seq = Interlocked.Increment(ref sequence);
                long scheduled;
                if (interval > 0)
                {
                    scheduled = started + (long)(seq * interval);
                    if (scheduled >= end)
                        return;
                    var wait = scheduled - Stopwatch.GetTimestamp();
                    if (wait > Stopwatch.Frequency / 1000)
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), token).ConfigureAwait(false);
                }
                else
                {
                    scheduled = Stopwatch.GetTimestamp();
                    if (scheduled >= end)
                        return;
                }

                OpOutcome outcome;
                try
                {
                    outcome = await operation(seq, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    outcome = new OpOutcome(false, 0, e is TaskCanceledException ? "timeout" : e.GetType().Name + ": " + e.Message);
                }

                var done = Stopwatch.GetTimestamp();
                if (outcome.Ok)
                    Interlocked.Increment(ref Completed);
                if (scheduled < warmupEnd)
                    continue;
                Timeline?.Record(done - warmupEnd, outcome.Target, outcome.Ok);
                if (outcome.Ok)
                {
                    var micros = (done - scheduled) * 1_000_000 / Stopwatch.Frequency;
                    Latency.Record(micros);
                    progress?.Record(micros);
                }
                else
                {
                    Interlocked.Increment(ref Failed);
                    var key = outcome.Status == 0 ? outcome.Error ?? "error" : $"{outcome.Status} {outcome.Error}";
                    failures.AddOrUpdate(key.Length > 160 ? key[..160] : key, 1, (_, n) => n + 1);
                }
            }
        }

        var sampling = Usage is null ? Task.CompletedTask : SampleUsageAsync(Usage, warmupEnd, end, token);
        var workers = new Task[shape.Concurrency];
        for (var i = 0; i < workers.Length; i++)
            workers[i] = Task.Run(Worker, token);
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
            await sampling.ConfigureAwait(false);
        }
        finally
        {
            Measured = TimeSpan.FromSeconds((double)(Math.Min(Stopwatch.GetTimestamp(), end) - warmupEnd) / Stopwatch.Frequency);
            if (progress is not null)
                PerSecond.AddRange(await progress.StopAsync().ConfigureAwait(false));
        }
    }

    private static async Task SampleUsageAsync(ServerUsage usage, long warmupEnd, long end, CancellationToken token)
    {
        await DelayUntilAsync(warmupEnd, token).ConfigureAwait(false);
        usage.Start();
        await DelayUntilAsync(end, token).ConfigureAwait(false);
        usage.Stop();
    }

    private static Task DelayUntilAsync(long timestamp, CancellationToken token)
    {
        var wait = timestamp - Stopwatch.GetTimestamp();
        return wait <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), token);
    }

    public double Throughput => Measured.TotalSeconds > 0 ? Succeeded / Measured.TotalSeconds : 0;
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// Operations that finished in each interval of a run's measured window, succeeded and failed apart, and the
/// successes per target where the operations say which target they went to (<see cref="OpOutcome.Target"/>):
/// what <c>bench plot</c> draws over time. Safe to record into from many threads; buckets are allocated in chunks
/// as the run reaches them, so a stream of unknown length (failover's) costs only the time it ran.
/// </summary>
public sealed class Timeline
{
    public const string Section = "timeline";
    public const string IntervalKey = "interval (s)";
    public const string SucceededKey = "succeeded per interval";
    public const string FailedKey = "failed per interval";
    public const string ByTargetKey = "succeeded per interval by target";

    private const int ChunkBuckets = 1024;
    private readonly long[]?[] chunks;
    private readonly long capacity;
    private readonly int lanes;
    private readonly double ticksPerBucket;

    /// <param name="interval">The width of one bucket.</param>
    /// <param name="longest">The longest window the run can have: later operations count in its last bucket.</param>
    /// <param name="lanes">Targets told apart (1: none).</param>
    public Timeline(TimeSpan interval, TimeSpan longest, int lanes = 1)
    {
        Interval = interval;
        this.lanes = Math.Max(1, lanes);
        ticksPerBucket = interval.TotalSeconds * Stopwatch.Frequency;
        capacity = Math.Max(1, (long)Math.Ceiling(longest / interval));
        chunks = new long[]?[(capacity + ChunkBuckets - 1) / ChunkBuckets];
    }

    public TimeSpan Interval { get; }

    /// <summary>One operation that finished <paramref name="ticks"/> (Stopwatch ticks) after the window opened.</summary>
    public void Record(long ticks, int target, bool ok)
    {
        var bucket = Math.Clamp((long)(ticks / ticksPerBucket), 0, capacity - 1);
        var index = (int)(bucket / ChunkBuckets);
        var chunk = Volatile.Read(ref chunks[index]);
        if (chunk is null)
        {
            var fresh = new long[ChunkBuckets * lanes * 2];
            chunk = Interlocked.CompareExchange(ref chunks[index], fresh, null) ?? fresh;
        }

        var lane = lanes == 1 ? 0 : target;
        Interlocked.Increment(ref chunk[(((int)(bucket % ChunkBuckets) * lanes) + lane) * 2 + (ok ? 0 : 1)]);
    }

    /// <summary>
    /// Counts of the first <paramref name="buckets"/> intervals; anything recorded later counts in the last of them,
    /// so the counts add up to the run's totals. <paramref name="target"/> -1 sums over every target.
    /// </summary>
    public long[] Counts(int buckets, bool ok, int target = -1)
    {
        var counts = new long[Math.Max(1, buckets)];
        for (long bucket = 0; bucket < capacity; bucket++)
        {
            if (Volatile.Read(ref chunks[bucket / ChunkBuckets]) is not { } chunk)
            {
                bucket += ChunkBuckets - (bucket % ChunkBuckets) - 1;
                continue;
            }

            var into = (int)Math.Min(bucket, counts.Length - 1);
            for (var lane = 0; lane < lanes; lane++)
            {
                if (target < 0 || target == lane)
                    counts[into] += Volatile.Read(ref chunk[(((int)(bucket % ChunkBuckets) * lanes) + lane) * 2 + (ok ? 0 : 1)]);
            }
        }

        return counts;
    }

    /// <summary>
    /// Writes the counts over <paramref name="measured"/> to the JSON only (a list per interval is too long for the
    /// table); with <paramref name="targets"/> also each target's successes.
    /// </summary>
    public void Report(BenchResult result, TimeSpan measured, IReadOnlyList<Uri>? targets = null)
    {
        var buckets = (int)Math.Max(1, Math.Ceiling((measured / Interval) - 1e-9));
        result.Section(Section)
            .Data(IntervalKey, JsonValue.Create(Interval.TotalSeconds))
            .Data(SucceededKey, Array(Counts(buckets, ok: true)))
            .Data(FailedKey, Array(Counts(buckets, ok: false)));
        if (targets is { Count: > 1 } && targets.Count == lanes)
        {
            var byTarget = new JsonObject();
            for (var i = 0; i < targets.Count; i++)
                byTarget[targets[i].ToString()] = Array(Counts(buckets, ok: true, target: i));
            result.Data(ByTargetKey, byTarget);
        }
    }

    private static JsonArray Array(long[] counts) => new([.. counts.Select(c => (JsonNode?)JsonValue.Create(c))]);
}

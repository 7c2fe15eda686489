using System.Numerics;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// A log-linear histogram of microsecond values (HdrHistogram's idea, 128 sub-buckets per power of two, so a
/// reported percentile is within 0.8% of the true value), safe to record into from many threads.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Linear = 256;
    private const int SubBuckets = 128;
    private readonly long[] counts = new long[Linear + (48 * SubBuckets)];
    private long count;
    private long max;
    private long sum;

    public long Count => Volatile.Read(ref count);

    public void Record(long micros)
    {
        if (micros < 0)
            micros = 0;
        Interlocked.Increment(ref counts[Index(micros)]);
        Interlocked.Increment(ref count);
        Interlocked.Add(ref sum, micros);
        long seen;
        while (micros > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, micros, seen) != seen)
        {
        }
    }

    /// <summary>The value at or below which <paramref name="percentile"/>% of recorded values lie; the true maximum for 100.</summary>
    public long Percentile(double percentile)
    {
        var total = Count;
        if (total == 0)
            return 0;
        if (percentile >= 100)
            return Volatile.Read(ref max);
        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Volatile.Read(ref counts[i]);
            if (seen >= rank)
                return Math.Min(UpperValue(i), Volatile.Read(ref max));
        }

        return Volatile.Read(ref max);
    }

    public long Max => Count == 0 ? 0 : Volatile.Read(ref max);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref sum) / Count;

    public LatencySummary Summarize() => new(
        Count, Mean / 1000.0, Percentile(50) / 1000.0, Percentile(90) / 1000.0, Percentile(99) / 1000.0,
        Percentile(99.9) / 1000.0, Max / 1000.0);

    private static int Index(long value)
    {
        if (value < Linear)
            return (int)value;
        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - 7;
        var top = (int)(value >> shift);
        return Math.Min(Linear + ((shift - 1) * SubBuckets) + (top - SubBuckets), Linear + (48 * SubBuckets) - 1);
    }

    private static long UpperValue(int index)
    {
        if (index < Linear)
            return index;
        var offset = index - Linear;
        var shift = (offset / SubBuckets) + 1;
        var top = (long)(offset % SubBuckets) + SubBuckets;
        return ((top + 1) << shift) - 1;
    }
}

/// <summary>A histogram's figures in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);

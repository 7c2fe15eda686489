using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// A histogram of microsecond values with fixed edges, ten per decade from 0.1 ms (and one bucket [0, 0.1 ms) below),
/// for the JSON: the same edges in every run, so distributions of different runs can be laid over each other, and
/// fine enough on a log axis to show the shape of a distribution, where the percentiles give only points of it.
/// One thread records.
/// </summary>
public sealed class LogBuckets
{
    public const string EdgesKey = "bucket edges (ms)";
    public const string CountsKey = "count per bucket";

    /// <summary>Bucket i holds values in [Edges[i], Edges[i + 1]); the last one also everything above its upper edge.</summary>
    private static readonly long[] EdgesMicros = [0, .. Enumerable.Range(-10, 71).Select(k => (long)Math.Round(Math.Pow(10, k / 10.0) * 1000))];

    private readonly long[] counts = new long[EdgesMicros.Length - 1];

    public long Count { get; private set; }

    public void Record(long micros)
    {
        var at = Array.BinarySearch(EdgesMicros, Math.Max(0, micros));
        var bucket = at >= 0 ? at : ~at - 1;
        counts[Math.Min(bucket, counts.Length - 1)]++;
        Count++;
    }

    /// <summary>
    /// Edges in ms and the counts between them, up to the highest bucket that holds a value (so counts has one entry
    /// fewer than edges), in the JSON only.
    /// </summary>
    public void Report(BenchResult result, string section)
    {
        var used = Array.FindLastIndex(counts, c => c > 0) + 1;
        result.Section(section)
            .Data(EdgesKey, new JsonArray([.. EdgesMicros.Take(used + 1).Select(e => (JsonNode?)JsonValue.Create(e / 1000.0))]))
            .Data(CountsKey, new JsonArray([.. counts.Take(used).Select(c => (JsonNode?)JsonValue.Create(c))]));
    }
}

using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Modes;

namespace RaftTimers.Tools.Bench.Plot;

/// <summary>
/// The lateness distribution of a <c>precision</c> report: a histogram of the measured timers' lateness (callback
/// arrival minus dueAt) over the report's fixed buckets, both axes on log scales: lateness spans from under a
/// millisecond to hundreds, and the tail beyond p99 is a few timers a bucket, which a linear count axis would
/// flatten to nothing. p50, p99 and the maximum (the report's own figures) are vertical lines. Bars have the class
/// <c>bar</c>, the lines <c>p50</c>, <c>p99</c>, <c>max</c>.
/// </summary>
public static class LatenessChart
{
    public static string Render(BenchReport report)
    {
        var edges = report.Numbers(PrecisionMode.DistributionSection, LogBuckets.EdgesKey);
        var counts = report.Numbers(PrecisionMode.DistributionSection, LogBuckets.CountsKey);
        if (counts.Length == 0 || counts.Length != edges.Length - 1)
            throw new InvalidOperationException(counts.Length == 0
                ? "the report's lateness distribution is empty: no measured timer arrived"
                : "the report's lateness distribution does not have one edge more than buckets");
        var lateness = new[] { "fires", "lateness (ms)" };
        var total = counts.Sum();
        var svg = new Svg(
            $"Fire lateness: bench precision, {report.Nodes} nodes, {report.Load}",
            $"callback arrival − dueAt of the {Svg.Figure(total)} timers created in the {report.Window}; "
            + $"{report.Text("fires", "missing")} missing, {report.Text("fires", "duplicates")} duplicates, {report.Text("fires", "early")} early"
            + (report.Day.Length > 0 ? $"; run of {report.Day}" : ""));

        // The axis starts at the first bucket's upper edge when that bucket starts at 0 (no log axis reaches 0).
        var first = Array.FindIndex(counts, c => c > 0);
        var low = Math.Pow(10, Math.Floor(Math.Log10(edges[first] > 0 ? edges[first] : edges[first + 1])));
        var high = Math.Pow(10, Math.Ceiling(Math.Log10(Math.Max(edges[^1], report.Number([.. lateness, "max"])))));
        var x = Axis.X(low, Math.Max(high, low * 10), log: true);
        var y = Axis.Y(0.5, Math.Pow(10, Math.Ceiling(Math.Log10(counts.Max() + 1))), log: true);
        svg.YAxis(y, "timers per bucket (log scale)");
        svg.XAxis(x, "lateness (ms, log scale; ten buckets per decade)");

        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] <= 0)
                continue;
            var left = x.At(Math.Max(edges[i], low));
            var right = x.At(edges[i + 1]);
            var top = y.At(counts[i]);
            svg.Rect(left + 0.5, top, Math.Max(1, right - left - 1), Svg.PlotBottom - top, "#6b9bd1", cssClass: "bar");
        }

        Marker(svg, x, "p50", report.Number([.. lateness, "p50"]), "#2b6e2b", 0);
        Marker(svg, x, "p99", report.Number([.. lateness, "p99"]), "#c05a00", 1);
        Marker(svg, x, "max", report.Number([.. lateness, "max"]), "#b01c1c", 2);
        svg.Legend("timers per bucket", "#6b9bd1", 8);
        return svg.ToString();
    }

    /// <summary>A vertical line at <paramref name="ms"/> with its name and value; labels step down so close lines stay readable.</summary>
    private static void Marker(Svg svg, Axis x, string name, double ms, string colour, int row)
    {
        var at = x.At(ms);
        svg.Line(at, Svg.PlotTop, at, Svg.PlotBottom, colour, 1.5, "5 3", name);
        var rightSide = at < Svg.PlotRight - 120;
        svg.Text(rightSide ? at + 5 : at - 5, Svg.PlotTop + 14 + (row * 16), $"{name} {Svg.Figure(ms, 1)} ms", anchor: rightSide ? "start" : "end", fill: colour, weight: "600");
    }
}

using RaftTimers.Tools.Bench.Load;

namespace RaftTimers.Tools.Bench.Plot;

/// <summary>
/// Throughput over time, from a <c>create</c> or <c>mix</c> report: operations answered per second through the
/// measured window, one point per interval (at its middle), with each target's share as thin lines where the report
/// has them and the run's mean as a dashed line. Series carry the classes <c>total</c>, <c>target</c>, <c>failed</c>, <c>mean</c>.
/// </summary>
public static class ThroughputChart
{
    private static readonly string[] TargetColours = ["#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc", "#fc9272"];

    public static string Render(BenchReport report)
    {
        var mix = report.Mode == "mix";
        var interval = report.Number(Timeline.Section, Timeline.IntervalKey);
        var succeeded = report.Numbers(Timeline.Section, Timeline.SucceededKey);
        var failed = report.Numbers(Timeline.Section, Timeline.FailedKey);
        var measured = report.Has("results", "measured") ? report.Number("results", "measured") : succeeded.Length * interval;
        var what = mix ? "operations (creates and cancels)" : "creates";

        var svg = new Svg(
            $"{(mix ? "Create and cancel" : "Create")} throughput: bench {report.Mode}, {report.Nodes} nodes, {report.Load}",
            $"{what} answered per second over the {report.Window}; requests to {report.Text("settings", "to")} nodes"
            + (report.Day.Length > 0 ? $"; run of {report.Day}" : ""));

        var targets = report.Has(Timeline.Section, Timeline.ByTargetKey)
            ? ((System.Text.Json.Nodes.JsonObject)report.Field(Timeline.Section, Timeline.ByTargetKey)).Select(t => (Name: t.Key, Counts: report.Numbers(Timeline.Section, Timeline.ByTargetKey, t.Key))).ToList()
            : [];
        var perSecond = Rates(succeeded, interval, measured);
        var x = Axis.X(0, Math.Max(measured, interval));
        var y = Axis.Y(0, Axis.RoundUp(perSecond.Select(p => p.Rate).DefaultIfEmpty(0).Max()));
        svg.YAxis(y, $"{(mix ? "operations" : "creates")} per second");
        svg.XAxis(x, "seconds into the measured window");

        for (var i = 0; i < targets.Count; i++)
        {
            var colour = TargetColours[i % TargetColours.Length];
            svg.Polyline(Rates(targets[i].Counts, interval, measured).Select(p => (x.At(p.At), y.At(p.Rate))), colour, 1.5, "target");
            svg.Legend($"through {Host(targets[i].Name)}", colour, 1.5);
        }

        if (failed.Any(f => f > 0))
        {
            svg.Polyline(Rates(failed, interval, measured).Select(p => (x.At(p.At), y.At(p.Rate))), "#d62728", 1.5, "failed");
            svg.Legend("failed", "#d62728", 1.5);
        }

        svg.Polyline(perSecond.Select(p => (x.At(p.At), y.At(p.Rate))), "#1f4e9c", 2.5, "total");
        svg.Legend(targets.Count > 0 ? "all targets" : "answered", "#1f4e9c", 2.5);
        if (report.Has("results", "throughput"))
        {
            var mean = report.Number("results", "throughput");
            svg.Line(Svg.PlotLeft, y.At(mean), Svg.PlotRight, y.At(mean), "#555", 1, "6 4", "mean");
            svg.Text(Svg.PlotRight - 4, y.At(mean) - 5, $"mean {Svg.Figure(mean)}/s", anchor: "end", fill: "#555");
        }

        return svg.ToString();
    }

    /// <summary>
    /// Each interval's count as a rate at the interval's middle; the last interval may be cut short by the end of the
    /// window (<paramref name="measured"/>), and its rate is over the part that was measured.
    /// </summary>
    public static List<(double At, double Rate)> Rates(IReadOnlyList<double> counts, double interval, double measured)
    {
        var rates = new List<(double, double)>(counts.Count);
        for (var i = 0; i < counts.Count; i++)
        {
            var start = i * interval;
            var end = i == counts.Count - 1 ? Math.Max(Math.Min(measured, start + interval), start + (interval / 10)) : start + interval;
            rates.Add(((start + end) / 2, counts[i] / (end - start)));
        }

        return rates;
    }

    private static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;
}

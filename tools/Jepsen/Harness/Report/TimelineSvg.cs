using System.Globalization;
using System.Net;
using System.Text;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Report;

/// <summary>
/// The latency timeline of <see cref="ReportHtml"/>, drawn like Jepsen's latency graphs as inline SVG: one mark per
/// operation at its invocation time (x, seconds since the run started) and latency (y, ms, log scale), coloured by
/// outcome and shaped by function; operations that never completed sit in a strip along the top edge. Faults are
/// translucent bands labelled by kind, leader changes thin vertical lines. Marks carry class <c>op</c> (completed)
/// or <c>op open</c> (no completion), bands class <c>fault</c>, leader lines class <c>leader</c>.
/// </summary>
public static class TimelineSvg
{
    public const int Width = 1200, Height = 500;

    private const int Left = 78, Right = 16, Top = 34, Bottom = 78;
    private const int OpenStrip = 16;
    private const double PlotTop = Top + OpenStrip, PlotBottom = Height - Bottom, PlotLeft = Left, PlotRight = Width - Right;

    private static readonly string[] FaultColours = ["#e07b39", "#7b61c9", "#3a8fb7", "#c9a227", "#b0457b", "#5e8c31", "#8c6d46"];

    public static string Render(RunReport report)
    {
        var svg = new StringBuilder();
        var x = TimeAxis.For(report);
        var y = LatencyAxis.For(report.Operations);
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"timeline\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{PlotLeft}\" y=\"{Top}\" width=\"{PlotRight - PlotLeft}\" height=\"{PlotBottom - Top}\" fill=\"#fff\" stroke=\"#999\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{PlotLeft}\" y=\"{Top}\" width=\"{PlotRight - PlotLeft}\" height=\"{OpenStrip}\" fill=\"#fbeeee\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PlotLeft - 6}\" y=\"{Top + 11}\" text-anchor=\"end\" fill=\"#d62728\">no answer</text>");
        AppendFaults(svg, report, x);
        AppendAxes(svg, x, y);
        AppendLeaders(svg, report, x);
        AppendOperations(svg, report, x, y);
        AppendLegend(svg);
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void AppendFaults(StringBuilder svg, RunReport report, TimeAxis x)
    {
        var types = report.Faults.Select(f => RunReport.FaultType(f.Kind)).Distinct().ToList();
        var laneEnds = new List<double>();
        foreach (var fault in report.Faults.OrderBy(f => f.StartMs))
        {
            var colour = FaultColours[types.IndexOf(RunReport.FaultType(fault.Kind)) % FaultColours.Length];
            var x0 = x.Of(fault.StartMs);
            var x1 = Math.Max(x0 + 2, x.Of(fault.EndMs));
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"fault\" x=\"{N(x0)}\" y=\"{Top}\" width=\"{N(x1 - x0)}\" height=\"{PlotBottom - Top}\" fill=\"{colour}\" fill-opacity=\"0.16\" stroke=\"{colour}\" stroke-opacity=\"0.5\">"
                + $"<title>{E(fault.Kind)} on {E(fault.Target)}: {N((fault.StartMs - x.ZeroMs) / 1000)}–{N((fault.EndMs - x.ZeroMs) / 1000)} s</title></rect>");

            // Labels of overlapping faults go in separate lanes, so each stays readable.
            var lane = laneEnds.FindIndex(end => end < x0);
            if (lane < 0)
            {
                lane = laneEnds.Count;
                laneEnds.Add(0);
            }

            var label = $"{fault.Kind} {fault.Target}";
            laneEnds[lane] = x0 + 4 + (label.Length * 6.2);
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(x0 + 3)}\" y=\"{N(PlotTop + 12 + (lane * 13))}\" fill=\"{colour}\" font-weight=\"600\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{E(label)}</text>");
        }
    }

    private static void AppendAxes(StringBuilder svg, TimeAxis x, LatencyAxis y)
    {
        foreach (var (latencyMs, major) in y.Ticks())
        {
            var at = N(y.Of(latencyMs));
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{PlotLeft}\" x2=\"{PlotRight}\" y1=\"{at}\" y2=\"{at}\" stroke=\"{(major ? "#d0d0d0" : "#eeeeee")}\"/>");
            if (major)
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PlotLeft - 6}\" y=\"{N(y.Of(latencyMs) + 4)}\" text-anchor=\"end\">{LatencyAxis.Label(latencyMs)}</text>");
        }

        foreach (var seconds in x.Ticks())
        {
            var at = N(x.Of(x.ZeroMs + (seconds * 1000)));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{at}\" x2=\"{at}\" y1=\"{PlotBottom}\" y2=\"{PlotBottom + 5}\" stroke=\"#666\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{at}\" y=\"{PlotBottom + 18}\" text-anchor=\"middle\">{N(seconds)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N((PlotLeft + PlotRight) / 2)}\" y=\"{PlotBottom + 36}\" text-anchor=\"middle\" font-size=\"12\">time since the run started (s)</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {N((PlotTop + PlotBottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">latency (log scale)</text>");
    }

    private static void AppendLeaders(StringBuilder svg, RunReport report, TimeAxis x)
    {
        var lastLabelEnd = double.NegativeInfinity;
        foreach (var change in report.LeaderChanges)
        {
            var at = x.Of(change.AtMs);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line class=\"leader\" x1=\"{N(at)}\" x2=\"{N(at)}\" y1=\"{Top}\" y2=\"{PlotBottom}\" stroke=\"#444\" stroke-width=\"1\" stroke-dasharray=\"3 3\">"
                + $"<title>leader {E(change.Leader)} at {N((change.AtMs - x.ZeroMs) / 1000)} s</title></line>");
            if (at - lastLabelEnd < 4)
                continue;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(at + 2)}\" y=\"{Top - 5}\" font-size=\"10\" fill=\"#444\">{E(change.Leader)}</text>");
            lastLabelEnd = at + 2 + (change.Leader.Length * 6);
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{PlotLeft - 6}\" y=\"{Top - 5}\" text-anchor=\"end\" font-size=\"10\" fill=\"#444\">leader</text>");
    }

    private static void AppendOperations(StringBuilder svg, RunReport report, TimeAxis x, LatencyAxis y)
    {
        foreach (var op in report.Operations)
        {
            var open = !double.IsFinite(op.CompletedAtMs);
            var cx = x.Of(op.InvokedAtMs);
            var cy = open ? Top + (OpenStrip / 2.0) : y.Of(op.CompletedAtMs - op.InvokedAtMs);
            var colour = op.Outcome switch { OpOutcome.Ok => "#2ca02c", OpOutcome.Fail => "#ff7f0e", _ => "#d62728" };
            var paint = open ? $"fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.3\"" : $"fill=\"{colour}\" fill-opacity=\"0.75\"";
            svg.Append(Mark(op.F, cx, cy, open ? "op open" : "op", paint, E(op.ToString())));
        }
    }

    private static void AppendLegend(StringBuilder svg)
    {
        var y = Height - 12.0;
        var at = PlotLeft;
        foreach (var (name, colour) in new[] { ("ok", "#2ca02c"), ("fail", "#ff7f0e"), ("info", "#d62728") })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(at + 4)}\" cy=\"{N(y - 4)}\" r=\"4\" fill=\"{colour}\"/><text x=\"{N(at + 12)}\" y=\"{N(y)}\">{name}</text>");
            at += 50;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(at + 4)}\" cy=\"{N(y - 4)}\" r=\"3.5\" fill=\"none\" stroke=\"#d62728\"/><text x=\"{N(at + 12)}\" y=\"{N(y)}\">no answer (top strip)</text>");
        at += 150;
        foreach (var f in Enum.GetValues<OpFunction>())
        {
            svg.Append(Mark(f, at + 4, y - 4, "legend", "fill=\"#555\"", null));
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(at + 12)}\" y=\"{N(y)}\">{f.ToString().ToLowerInvariant()}</text>");
            at += 70;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(at)}\" y=\"{N(y - 9)}\" width=\"14\" height=\"10\" fill=\"#e07b39\" fill-opacity=\"0.25\" stroke=\"#e07b39\"/><text x=\"{N(at + 19)}\" y=\"{N(y)}\">fault</text>");
        at += 70;
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(at)}\" x2=\"{N(at + 14)}\" y1=\"{N(y - 4)}\" y2=\"{N(y - 4)}\" stroke=\"#444\" stroke-dasharray=\"3 3\"/><text x=\"{N(at + 19)}\" y=\"{N(y)}\">leader change</text>");
    }

    /// <summary>create ●, update ■, cancel ◆, get ▲ — about 7 px across.</summary>
    private static string Mark(OpFunction f, double cx, double cy, string cssClass, string paint, string? title)
    {
        var tip = title is null ? "" : $"<title>{title}</title>";
        return f switch
        {
            OpFunction.Create => $"<circle class=\"{cssClass}\" cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"3.2\" {paint}>{tip}</circle>",
            OpFunction.Update => $"<rect class=\"{cssClass}\" x=\"{N(cx - 2.8)}\" y=\"{N(cy - 2.8)}\" width=\"5.6\" height=\"5.6\" {paint}>{tip}</rect>",
            OpFunction.Cancel => $"<path class=\"{cssClass}\" d=\"M{N(cx)} {N(cy - 4)}L{N(cx + 4)} {N(cy)}L{N(cx)} {N(cy + 4)}L{N(cx - 4)} {N(cy)}Z\" {paint}>{tip}</path>",
            _ => $"<path class=\"{cssClass}\" d=\"M{N(cx)} {N(cy - 4)}L{N(cx + 3.8)} {N(cy + 3)}L{N(cx - 3.8)} {N(cy + 3)}Z\" {paint}>{tip}</path>",
        };
    }

    internal static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Unix ms to x pixels; zero is the run's start, the end the last thing that happened (at least the planned duration).</summary>
    private sealed record TimeAxis(double ZeroMs, double EndMs)
    {
        public static TimeAxis For(RunReport report)
        {
            var zero = report.StartedAtMs;
            var end = new[]
            {
                zero + (report.DurationSeconds * 1000),
                report.Operations.Select(o => o.InvokedAtMs).DefaultIfEmpty(zero).Max(),
                report.Faults.Select(f => f.EndMs).DefaultIfEmpty(zero).Max(),
                report.LeaderChanges.Select(c => c.AtMs).DefaultIfEmpty(zero).Max(),
            }.Max();
            return new TimeAxis(zero, Math.Max(end, zero + 1000));
        }

        public double Of(double atMs) => PlotLeft + (Math.Clamp((atMs - ZeroMs) / (EndMs - ZeroMs), 0, 1) * (PlotRight - PlotLeft));

        /// <summary>Whole-second ticks, about ten of them, at 1, 2, 5, 10… s steps.</summary>
        public IEnumerable<double> Ticks()
        {
            var span = (EndMs - ZeroMs) / 1000;
            var step = new[] { 1.0, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 3600 }.FirstOrDefault(s => span / s <= 12, 3600);
            for (var s = 0.0; s <= span + 1e-9; s += step)
                yield return s;
        }
    }

    /// <summary>Latency ms to y pixels on a log scale spanning whole decades around the measured latencies.</summary>
    private sealed record LatencyAxis(double MinMs, double MaxMs)
    {
        public static LatencyAxis For(IReadOnlyList<Operation> operations)
        {
            var latencies = operations.Where(o => double.IsFinite(o.CompletedAtMs)).Select(o => Math.Max(o.CompletedAtMs - o.InvokedAtMs, 0.1)).ToList();
            var low = latencies.Count == 0 ? 1 : Math.Pow(10, Math.Floor(Math.Log10(latencies.Min())));
            var high = latencies.Count == 0 ? 10_000 : Math.Pow(10, Math.Ceiling(Math.Log10(latencies.Max())));
            return new LatencyAxis(low, Math.Max(high, low * 100));
        }

        public double Of(double latencyMs)
        {
            var fraction = (Math.Log10(Math.Clamp(latencyMs, MinMs, MaxMs)) - Math.Log10(MinMs)) / (Math.Log10(MaxMs) - Math.Log10(MinMs));
            return PlotBottom - (fraction * (PlotBottom - PlotTop - 4));
        }

        /// <summary>Every decade (major, labelled) and its 2× and 5× (minor).</summary>
        public IEnumerable<(double LatencyMs, bool Major)> Ticks()
        {
            for (var decade = MinMs; decade <= MaxMs * 1.0001; decade *= 10)
            {
                yield return (decade, true);
                if (decade * 2 < MaxMs)
                    yield return (decade * 2, false);
                if (decade * 5 < MaxMs)
                    yield return (decade * 5, false);
            }
        }

        public static string Label(double latencyMs) => latencyMs >= 1000
            ? $"{N(latencyMs / 1000)} s"
            : $"{N(latencyMs)} ms";
    }
}

using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Modes;

namespace RaftTimers.Tools.Bench.Plot;

/// <summary>
/// The failover timeline of a <c>failover</c> report: the steady stream's creates answered 201 and failed per interval
/// (as rates, by when the answer came), with each round's <c>kill -9</c> of the leader and the moment a survivor first
/// said it leads as vertical lines and the span between them shaded. Series carry the classes <c>ok</c> and
/// <c>failed</c>, the lines <c>kill</c> and <c>elected</c>.
/// </summary>
public static class FailoverChart
{
    private const string Ok = "#2a8a2a", Failed = "#d62728", Kill = "#b01c1c", Elected = "#1f4e9c";

    public static string Render(BenchReport report)
    {
        var interval = report.Number(Timeline.Section, Timeline.IntervalKey);
        var succeeded = report.Numbers(Timeline.Section, Timeline.SucceededKey);
        var failed = report.Numbers(Timeline.Section, Timeline.FailedKey);
        var rounds = report.Field(Timeline.Section, RecoveryMode.RoundsKey) as JsonArray
                     ?? throw new InvalidOperationException($"'{Timeline.Section}.{RecoveryMode.RoundsKey}' in the report is not a list");
        var length = succeeded.Length * interval;
        var svg = new Svg(
            $"Failover: bench failover, {report.Nodes} nodes, {rounds.Count} × kill -9 of the leader, creates {report.Load}",
            $"creates answered per {Svg.Figure(interval * 1000)} ms over the {Svg.Figure(length, 1)} s stream, round-robin over every node "
            + "(the killed one until it is restarted)" + (report.Day.Length > 0 ? $"; run of {report.Day}" : ""));

        var ok = ThroughputChart.Rates(succeeded, interval, length);
        var bad = ThroughputChart.Rates(failed, interval, length);
        var x = Axis.X(0, length);
        var y = Axis.Y(0, Axis.RoundUp(ok.Concat(bad).Select(p => p.Rate).DefaultIfEmpty(0).Max()));
        svg.YAxis(y, "creates per second");
        svg.XAxis(x, "seconds since the stream started");

        // Labels: the kill's left of its line (right, a row lower, when the plot's edge is too close), the new leader's
        // right of its line; every other round a row lower, so rounds close together do not write over each other.
        var index = 0;
        foreach (var round in rounds.OfType<JsonObject>())
        {
            var row = Svg.PlotTop + 14 + (index++ % 2 * 32);
            if (BenchReport.OptionalNumber(round[RecoveryMode.RoundKill]) is not { } kill)
                continue;
            var elected = BenchReport.OptionalNumber(round[RecoveryMode.RoundElected]);
            var killX = x.At(kill);
            if (elected is { } e)
                svg.Rect(killX, Svg.PlotTop, x.At(e) - killX, Svg.PlotBottom - Svg.PlotTop, Kill, 0.08);
            svg.Line(killX, Svg.PlotTop, killX, Svg.PlotBottom, Kill, 1.5, cssClass: "kill");
            var killLabel = $"kill {round[RecoveryMode.RoundKilled]}";
            if (killX - Svg.PlotLeft > 60)
                svg.Text(killX - 4, row, killLabel, anchor: "end", fill: Kill, weight: "600");
            else
                svg.Text(killX + 4, row + 16, killLabel, fill: Kill, weight: "600");
            if (elected is { } at)
            {
                svg.Line(x.At(at), Svg.PlotTop, x.At(at), Svg.PlotBottom, Elected, 1.5, "5 3", "elected");
                svg.Text(x.At(at) + 4, row, $"{round[RecoveryMode.RoundNewLeader]} leads, +{Svg.Figure((at - kill) * 1000)} ms", fill: Elected, weight: "600");
            }
        }

        svg.Polyline(bad.Select(p => (x.At(p.At), y.At(p.Rate))), Failed, 1.5, "failed");
        svg.Polyline(ok.Select(p => (x.At(p.At), y.At(p.Rate))), Ok, 2, "ok");
        svg.Legend("answered 201", Ok, 2);
        svg.Legend("failed (refused, timed out, error answer)", Failed, 1.5);
        svg.Legend("kill -9 of the leader", Kill, 1.5);
        svg.Legend("a survivor says it leads", Elected, 1.5, "5 3");
        return svg.ToString();
    }
}

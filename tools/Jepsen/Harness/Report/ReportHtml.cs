using System.Globalization;
using System.Net;
using System.Text;
using RaftTimers.JepsenLike.Checker;

namespace RaftTimers.JepsenLike.Report;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the verdict, the
/// summary, the latency timeline (<see cref="TimelineSvg"/>), every check with its counterexamples, and the faults.
/// The markup is also well-formed XML, so tests can parse it.
/// </summary>
public static class ReportHtml
{
    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:20px 24px;color:#222;max-width:1240px}
        h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:22px 0 8px}
        .pass{color:#197a2f;font-weight:600}.fail{color:#b3261e;font-weight:600}
        table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #e2e2e2;text-align:left;vertical-align:top}
        th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
        pre{background:#f6f6f6;padding:8px;margin:4px 0;overflow:auto;white-space:pre-wrap;font-size:12px}
        code{background:#f1f1f1;padding:1px 4px}small{color:#666}.summary td:first-child{color:#555}
        svg.timeline{border:1px solid #ddd;background:#fcfcfc}table.checks{width:100%}table.checks td:first-child{white-space:nowrap}
        """;

    public static string Render(RunReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>RaftTimers ")
            .Append(E(report.Scenario)).Append(" seed ").Append(report.Seed).Append(report.Passed ? " PASS" : " FAIL")
            .Append("</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>").Append(E(report.Scenario)).Append(" seed ").Append(report.Seed).Append(" — ")
            .Append(report.Passed ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">FAIL</span>").Append("</h1>");
        AppendSummary(html, report);
        html.Append("<h2>Latency over time</h2>").Append(TimelineSvg.Render(report));
        AppendChecks(html, report.Checks);
        AppendFaults(html, report);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    public static void Write(RunReport report, string path) => File.WriteAllText(path, Render(report));

    private static void AppendSummary(StringBuilder html, RunReport report)
    {
        html.Append("<table class=\"summary\">");
        Row(html, "scenario", E(report.Scenario));
        Row(html, "seed", report.Seed.ToString(CultureInfo.InvariantCulture));
        Row(html, "network", $"{E(report.Mode)}, {report.NodeCount} nodes");
        Row(html, "duration", $"{TimelineSvg.N(report.DurationSeconds)} s");
        Row(html, "commit", $"<code>{E(report.Commit)}</code>");
        Row(html, "operations", OperationTable(report));
        Row(html, "timers (final state)", E(Pairs(report.TimersByState)));
        Row(html, "faults", E(Pairs(report.FaultsByKind)));
        Row(html, "leader changes", report.LeaderChangeCount.ToString(CultureInfo.InvariantCulture));
        Row(html, "deliveries", $"{report.DeliveryCount}, of which {report.DuplicateDeliveries} duplicate 2xx");
        Row(html, "lateness", E(ReportText.Lateness(report.Lateness)));
        Row(html, "settled", report.Settled switch { true => "yes", false => "<span class=\"fail\">no</span>", null => "unknown" });
        Row(html, "replay", $"<code>{E(report.ReplayCommand)}</code>");
        if (report.ArtifactsDirectory is { } artifacts)
            Row(html, "artifacts", $"<code>{E(artifacts)}</code>");
        html.Append("</table>");
    }

    private static string OperationTable(RunReport report)
    {
        var table = new StringBuilder("<table><tr><th></th>");
        foreach (var outcome in report.OutcomeCounts.Keys)
            table.Append("<th>").Append(outcome).Append("</th>");
        table.Append("</tr>");
        foreach (var (f, counts) in report.OperationCounts)
        {
            table.Append("<tr><td>").Append(f).Append("</td>");
            foreach (var count in counts.Values)
                table.Append("<td class=\"n\">").Append(count).Append("</td>");
            table.Append("</tr>");
        }

        return table.Append("</table>").ToString();
    }

    private static void AppendChecks(StringBuilder html, IReadOnlyList<CheckResult> checks)
    {
        html.Append("<h2>Checks</h2><table class=\"checks\"><tr><th>verdict</th><th>check</th><th>figures</th></tr>");
        foreach (var check in checks)
        {
            html.Append("<tr><td>").Append(check.Passed ? "<span class=\"pass\">PASS</span>" : $"<span class=\"fail\">FAIL</span> ({check.ViolationCount})")
                .Append("</td><td>").Append(E(check.Name)).Append("<br/><small>").Append(E(check.Description)).Append("</small></td><td>")
                .Append(E(string.Join(", ", check.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.#", CultureInfo.InvariantCulture)}")))).Append("</td></tr>");
            if (check.Counterexamples.Count == 0)
                continue;

            // Counterexamples get a row of their own: they are long lines, and the reason to open the report.
            html.Append("<tr><td></td><td colspan=\"2\"><pre>").Append(E(string.Join("\n", check.Counterexamples))).Append("</pre>");
            if (check.ViolationCount > check.Counterexamples.Count)
                html.Append("<small>").Append(check.ViolationCount - check.Counterexamples.Count).Append(" more not shown</small>");
            html.Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void AppendFaults(StringBuilder html, RunReport report)
    {
        html.Append("<h2>Faults</h2>");
        if (report.Faults.Count == 0)
        {
            html.Append("<p>none</p>");
            return;
        }

        html.Append("<table><tr><th>kind</th><th>target</th><th>from (s)</th><th>to (s)</th></tr>");
        foreach (var fault in report.Faults.OrderBy(f => f.StartMs))
        {
            html.Append("<tr><td>").Append(E(fault.Kind)).Append("</td><td>").Append(E(fault.Target))
                .Append("</td><td class=\"n\">").Append(TimelineSvg.N((fault.StartMs - report.StartedAtMs) / 1000))
                .Append("</td><td class=\"n\">").Append(TimelineSvg.N((fault.EndMs - report.StartedAtMs) / 1000)).Append("</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Row(StringBuilder html, string name, string valueHtml)
        => html.Append("<tr><td>").Append(name).Append("</td><td>").Append(valueHtml).Append("</td></tr>");

    private static string Pairs(IReadOnlyDictionary<string, int> counts)
        => counts.Count == 0 ? "none" : string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}"));

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

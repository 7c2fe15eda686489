using System.Globalization;
using System.Net;
using System.Text;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Report;

/// <summary>
/// A self-contained HTML page (inline CSS and SVG, nothing fetched): the summary, the verdicts, and a Jepsen-style
/// latency timeline — one point per operation (latency, log scale) over time, coloured by outcome, with fault
/// intervals shaded and leader changes marked.
/// </summary>
public static class ReportHtml
{
    private const int Width = 1200, Height = 420, Left = 60, Right = 20, Top = 20, Bottom = 40;

    public static string Render(RunOutcome outcome)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>RaftTimers ")
            .Append(E(outcome.Options.Scenario)).Append(" seed ").Append(outcome.Options.Seed).Append("</title><style>")
            .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px;overflow:auto}")
            .Append(".pass{color:#197a2f}.fail{color:#b3261e}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}")
            .Append("</style></head><body>");
        html.Append("<h1>").Append(E(outcome.Options.Scenario)).Append(" — <span class=\"").Append(outcome.Passed ? "pass\">PASS" : "fail\">FAIL").Append("</span></h1>");
        html.Append("<p>seed ").Append(outcome.Options.Seed).Append(", ").Append(outcome.Options.Nodes).Append(" nodes, ").Append(E(outcome.Mode))
            .Append(" network, commit ").Append(E(HarnessPaths.Commit())).Append(". Replay: <code>").Append(E(outcome.Options.ReplayCommand)).Append("</code></p>");
        html.Append(Timeline(outcome));
        html.Append("<h2>Checks</h2><table><tr><th>check</th><th>verdict</th><th>figures</th><th>counterexamples</th></tr>");
        foreach (var r in outcome.Results)
        {
            html.Append("<tr><td>").Append(E(r.Name)).Append("<br><small>").Append(E(r.Description)).Append("</small></td><td class=\"")
                .Append(r.Passed ? "pass\">PASS" : $"fail\">FAIL ({r.ViolationCount})").Append("</td><td>")
                .Append(E(string.Join(", ", r.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.#", CultureInfo.InvariantCulture)}")))).Append("</td><td><pre>")
                .Append(E(string.Join("\n", r.Counterexamples))).Append("</pre></td></tr>");
        }

        html.Append("</table><h2>Summary</h2><pre>").Append(E(ReportText.Render(outcome))).Append("</pre></body></html>");
        return html.ToString();
    }

    private static string Timeline(RunOutcome outcome)
    {
        var ops = outcome.Run.Operations;
        var t0 = outcome.StartedAtMs;
        var end = Math.Max(t0 + 1000, ops.Select(o => double.IsInfinity(o.CompletedAtMs) ? o.InvokedAtMs : o.CompletedAtMs).DefaultIfEmpty(t0).Max());
        end = Math.Max(end, outcome.Run.Faults.Select(f => f.EndMs).DefaultIfEmpty(t0).Max());
        const double minLatency = 1, maxLatency = 10_000;
        double X(double ms) => Left + ((ms - t0) / (end - t0) * (Width - Left - Right));
        double Y(double latency) => Top + ((1 - (Math.Log10(Math.Clamp(latency, minLatency, maxLatency)) / Math.Log10(maxLatency))) * (Height - Top - Bottom));
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<h2>Latency over time</h2><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" style=\"border:1px solid #ccc\">");
        foreach (var f in outcome.Run.Faults)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"fault\" x=\"{F(X(f.StartMs))}\" y=\"{Top}\" width=\"{F(Math.Max(1, X(f.EndMs) - X(f.StartMs)))}\" height=\"{Height - Top - Bottom}\" fill=\"#f4a261\" fill-opacity=\"0.25\"><title>{E(f.Kind)} {E(f.Target)}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(f.StartMs) + 2)}\" y=\"{Top + 12}\" font-size=\"10\" fill=\"#8a4b0f\">{E(f.Kind)}</text>");
        }

        foreach (var (at, leader) in outcome.LeaderChanges)
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(X(at))}\" x2=\"{F(X(at))}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#6c63ff\" stroke-width=\"1\"><title>leader {E(leader)}</title></line>");

        foreach (var decade in new[] { 1, 10, 100, 1000, 10000 })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(decade))}\" y2=\"{F(Y(decade))}\" stroke=\"#eee\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Y(decade) + 4)}\" font-size=\"11\" text-anchor=\"end\">{decade} ms</text>");
        }

        for (var s = 0; s <= (end - t0) / 1000; s += 5)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(t0 + (s * 1000)))}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{s} s</text>");

        foreach (var op in ops)
        {
            var open = double.IsInfinity(op.CompletedAtMs);
            var latency = open ? maxLatency : op.CompletedAtMs - op.InvokedAtMs;
            var colour = op.Outcome switch { OpOutcome.Ok => "#2a9d8f", OpOutcome.Fail => "#e9c46a", _ => "#e63946" };
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"op\" cx=\"{F(X(op.InvokedAtMs))}\" cy=\"{F(Y(latency))}\" r=\"2\" fill=\"{colour}\"><title>{E(op.ToString())}</title></circle>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 6}\" font-size=\"11\">green ok · yellow fail (definite refusal) · red info (unknown) · shaded: faults · purple lines: leader changes</text></svg>");
        return svg.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

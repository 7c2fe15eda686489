using System.Globalization;
using System.Text;

namespace RaftTimers.JepsenLike.Report;

/// <summary>
/// The terminal summary of a run (report.txt, and what the runner prints): what ran, what happened, one line per
/// check with up to <see cref="MaxCounterexamples"/> counterexamples under a failure, lateness, duplicates, and
/// on failure the command that replays the run.
/// </summary>
public static class ReportText
{
    public const int MaxCounterexamples = 5;

    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"== {report.Scenario}  seed {report.Seed}  {report.Mode}  {report.NodeCount} nodes  {report.DurationSeconds:0.#} s  commit {Short(report.Commit)}");
        text.AppendLine("operations: " + string.Join("  ", report.OutcomeCounts.Select(p => $"{p.Value} {p.Key}"))
            + "  (" + string.Join(", ", report.OperationCounts.Select(f => $"{f.Key} {string.Join("/", f.Value.Values)}")) + " ok/fail/info)");
        text.AppendLine("timers: " + Pairs(report.TimersByState));
        text.AppendLine("faults: " + Pairs(report.FaultsByKind));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"leader changes: {report.LeaderChangeCount}   deliveries: {report.DeliveryCount}   settled: {report.Settled switch { true => "yes", false => "NO", null => "?" }}");
        foreach (var check in report.Checks)
            AppendCheck(text, check);
        text.AppendLine("lateness: " + Lateness(report.Lateness));
        text.AppendLine(CultureInfo.InvariantCulture, $"duplicates: {report.DuplicateDeliveries} 2xx deliveries beyond a timer's first");
        text.Append(report.Passed ? "verdict: PASS" : $"verdict: FAIL — replay: {report.ReplayCommand}");
        if (report.ArtifactsDirectory is { } artifacts)
            text.AppendLine().Append("artifacts: ").Append(artifacts);
        return text.ToString();
    }

    /// <summary>"calm p50/p99/max 12/80/130 ms (n 200)  fault … ms (n 31)  recovery max 2100 ms", or "none" without deliveries.</summary>
    public static string Lateness(IReadOnlyDictionary<string, double> figures)
    {
        var parts = new List<string>();
        foreach (var period in new[] { "calm", "fault" })
        {
            if (figures.TryGetValue($"{period}P50Ms", out var p50))
                parts.Add($"{period} p50/p99/max {Ms(p50)}/{Ms(figures[$"{period}P99Ms"])}/{Ms(figures[$"{period}MaxMs"])} ms (n {figures[$"{period}Count"]})");
        }

        if (figures.TryGetValue("recoveryMaxMs", out var recovery))
            parts.Add($"recovery max {Ms(recovery)} ms");
        return parts.Count == 0 ? "none measured" : string.Join("  ", parts);
    }

    private static void AppendCheck(StringBuilder text, Checker.CheckResult check)
    {
        text.Append(check.Passed ? "PASS " : "FAIL ").Append(check.Name).Append(" — ").Append(check.Description);
        if (!check.Passed)
            text.Append(CultureInfo.InvariantCulture, $" ({check.ViolationCount} violations)");
        text.AppendLine();
        if (check.Passed)
            return;
        foreach (var example in check.Counterexamples.Take(MaxCounterexamples))
            text.Append("     ").AppendLine(example.Replace("\n", "\n     ", StringComparison.Ordinal));
        if (check.ViolationCount > MaxCounterexamples)
            text.AppendLine(CultureInfo.InvariantCulture, $"     … {check.ViolationCount - MaxCounterexamples} more");
    }

    private static string Pairs(IReadOnlyDictionary<string, int> counts)
        => counts.Count == 0 ? "none" : string.Join("  ", counts.Select(p => $"{p.Key} {p.Value}"));

    private static string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    private static string Short(string commit) => commit[..Math.Min(12, commit.Length)];
}

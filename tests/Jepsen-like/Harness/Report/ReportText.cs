using System.Globalization;
using System.Text;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Report;

/// <summary>The terminal summary of a run: what ran, what happened, each check's verdict, lateness, and how to replay it.</summary>
public static class ReportText
{
    public static string Render(RunOutcome outcome)
    {
        var run = outcome.Run;
        var o = outcome.Options;
        var text = new StringBuilder();
        var seconds = (run.Operations.Select(x => x.InvokedAtMs).DefaultIfEmpty(outcome.StartedAtMs).Max() - outcome.StartedAtMs) / 1000;
        text.AppendLine(CultureInfo.InvariantCulture, $"== {o.Scenario}  seed {o.Seed}  {o.Nodes} nodes  {outcome.Mode}  workload {seconds:0} s  commit {HarnessPaths.Commit()[..Math.Min(12, HarnessPaths.Commit().Length)]}");
        text.AppendLine("operations: " + string.Join("  ", run.Operations.GroupBy(x => $"{x.F}".ToLowerInvariant()).OrderBy(g => g.Key)
            .Select(g => $"{g.Key} {string.Join("/", Enum.GetValues<OpOutcome>().Select(k => $"{g.Count(x => x.Outcome == k)} {k.ToString().ToLowerInvariant()}"))}")));
        text.AppendLine("timers: " + string.Join("  ", TimersByState(run).Select(p => $"{p.Key} {p.Value}")));
        text.AppendLine("faults: " + (run.Faults.Count == 0 ? "none" : string.Join("  ", run.Faults.GroupBy(f => f.Kind).Select(g => $"{g.Key} x{g.Count()}"))));
        text.AppendLine(CultureInfo.InvariantCulture, $"leader changes: {Math.Max(0, outcome.LeaderChanges.Count - 1)}   deliveries: {run.Deliveries.Count}   settled: {(outcome.Settled ? "yes" : "NO")}");
        foreach (var result in outcome.Results)
        {
            var figures = result.Figures.Count == 0 ? "" : "  [" + string.Join(", ", result.Figures.Select(f => $"{f.Key} {f.Value:0.#}")) + "]";
            text.AppendLine(CultureInfo.InvariantCulture, $"{(result.Passed ? "PASS" : "FAIL")} {result.Name} — {result.Description}{(result.Passed ? "" : $" ({result.ViolationCount} violations)")}{figures}");
            foreach (var example in result.Counterexamples.Take(5))
                text.AppendLine("     " + example.Replace("\n", "\n     ", StringComparison.Ordinal));
        }

        text.AppendLine(outcome.Passed ? "verdict: PASS" : $"verdict: FAIL — replay: {o.ReplayCommand}");
        text.Append(CultureInfo.InvariantCulture, $"artifacts: {outcome.OutputDirectory}");
        return text.ToString();
    }

    public static SortedDictionary<string, int> TimersByState(RunRecord run)
    {
        var firstNode = run.FinalStates.Select(s => s.Node).Order().FirstOrDefault();
        return new SortedDictionary<string, int>(run.FinalStates.Where(s => s.Node == firstNode).GroupBy(s => s.State).ToDictionary(g => g.Key, g => g.Count()));
    }
}

using System.Text.Json;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Report;

/// <summary>The machine-readable report of a run (report.json).</summary>
public static class ReportJson
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Render(RunOutcome outcome)
    {
        var run = outcome.Run;
        return JsonSerializer.Serialize(new
        {
            scenario = outcome.Options.Scenario,
            seed = outcome.Options.Seed,
            nodes = outcome.Options.Nodes,
            mode = outcome.Mode,
            commit = HarnessPaths.Commit(),
            durationSeconds = outcome.Options.Duration.TotalSeconds,
            passed = outcome.Passed,
            settled = outcome.Settled,
            replay = outcome.Options.ReplayCommand,
            operations = run.Operations.GroupBy(o => $"{o.F}".ToLowerInvariant()).ToDictionary(
                g => g.Key, g => Enum.GetValues<OpOutcome>().ToDictionary(k => k.ToString().ToLowerInvariant(), k => g.Count(o => o.Outcome == k))),
            timersByState = ReportText.TimersByState(run),
            deliveries = run.Deliveries.Count,
            faults = run.Faults.Select(f => new { f.Kind, f.Target, startMs = f.StartMs, endMs = f.EndMs }),
            faultsByKind = run.Faults.GroupBy(f => f.Kind).ToDictionary(g => g.Key, g => g.Count()),
            leaderChanges = outcome.LeaderChanges.Select(c => new { atMs = c.AtMs, leader = c.Leader }),
            checks = outcome.Results.Select(r => new { r.Name, r.Description, r.Passed, violations = r.ViolationCount, r.Counterexamples, r.Figures }),
        }, Json);
    }
}

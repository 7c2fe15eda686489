using RaftTimers.JepsenLike.Orchestration;

namespace RaftTimers.JepsenLike.Report;

/// <summary>Turns the runner's <see cref="RunOutcome"/> into the <see cref="RunReport"/> the report writers take.</summary>
public static class RunOutcomeReport
{
    public static RunReport ToReport(this RunOutcome outcome) => new()
    {
        Scenario = outcome.Options.Scenario,
        Seed = outcome.Options.Seed,
        Commit = HarnessPaths.Commit(),
        Mode = outcome.Mode,
        NodeCount = outcome.Options.Nodes,
        DurationSeconds = outcome.Options.Duration.TotalSeconds,
        StartedAtMs = outcome.StartedAtMs,
        Operations = outcome.Run.Operations,
        TimersByState = RunReport.CountTimersByState(outcome.Run.FinalStates),
        Faults = outcome.Run.Faults,
        LeaderChanges = outcome.LeaderChanges.Select(c => new LeaderChange(c.AtMs, c.Leader)).ToList(),
        Checks = outcome.Results,
        ReplayCommand = outcome.Options.ReplayCommand,
        DeliveryCount = outcome.Run.Deliveries.Count,
        Settled = outcome.Settled,
        ArtifactsDirectory = outcome.OutputDirectory,
    };
}

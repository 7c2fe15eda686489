using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Nemesis;

/// <summary>
/// A named fault schedule: what the nemesis does to nodes and network while the workload runs, and the
/// callback receiver's faults. Nemesis loops stop when their token is cancelled and always heal what they did.
/// </summary>
public sealed record Scenario(string Name, string Description, bool NeedsPartitions, Func<NemesisContext, CancellationToken, Task> RunNemesis)
{
    /// <summary>The sink's fault windows for a run starting at <paramref name="startMs"/>; none by default.</summary>
    public Func<double, TimeSpan, IReadOnlyList<FaultWindow>> SinkFaults { get; init; } = static (_, _) => [];

    /// <summary>Whether each node keeps its data on a small file system of its own that the nemesis fills (<see cref="Orchestration.NodeDisks"/>).</summary>
    public bool NeedsDisks { get; init; }

    /// <summary>Settings every node of this scenario starts with, beyond the runner's own.</summary>
    public IReadOnlyList<string> NodeArgs { get; init; } = [];

    /// <summary>
    /// How early a callback may arrive before its due time and still pass: whole-millisecond stamps by default; with
    /// injected clock faults, the clock error the nodes tolerate (docs/clocks.md).
    /// </summary>
    public double EarlyToleranceMs { get; init; } = Checker.NeverEarlyCheck.ToleranceMs;
}

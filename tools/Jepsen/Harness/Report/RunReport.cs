using RaftTimers.JepsenLike.Checker;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Report;

/// <summary>A leader as the harness saw it take over, at Unix ms <paramref name="AtMs"/> ("none" while there was none).</summary>
public sealed record LeaderChange(double AtMs, string Leader);

/// <summary>
/// Everything the reports (<see cref="ReportJson"/>, <see cref="ReportText"/>, <see cref="ReportHtml"/>) show of one
/// run: what ran, what the clients did, what the nodes ended with, the faults, and the verdicts. The counts are
/// derived from the lists, so they cannot disagree with them; only <see cref="TimersByState"/> is given, because
/// the report does not keep every node's final state (<see cref="CountTimersByState"/> makes it).
/// </summary>
public sealed record RunReport
{
    public required string Scenario { get; init; }

    public required int Seed { get; init; }

    public required string Commit { get; init; }

    /// <summary>"netns" (network-namespace lab) or "loopback".</summary>
    public required string Mode { get; init; }

    public required int NodeCount { get; init; }

    /// <summary>How long the workload and the nemesis were to run.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Unix ms when the run started: time zero of the timeline.</summary>
    public required double StartedAtMs { get; init; }

    public required IReadOnlyList<Operation> Operations { get; init; }

    /// <summary>Distinct timers per final state, in one node's view.</summary>
    public required IReadOnlyDictionary<string, int> TimersByState { get; init; }

    public required IReadOnlyList<FaultWindow> Faults { get; init; }

    /// <summary>Every leader the harness observed, the first one included, in time order.</summary>
    public required IReadOnlyList<LeaderChange> LeaderChanges { get; init; }

    public required IReadOnlyList<CheckResult> Checks { get; init; }

    /// <summary>The command that runs this scenario again with the same seed.</summary>
    public required string ReplayCommand { get; init; }

    public int DeliveryCount { get; init; }

    /// <summary>Whether every timer finished before the final read; null when not known.</summary>
    public bool? Settled { get; init; }

    /// <summary>Where the run's logs and reports are, if anywhere.</summary>
    public string? ArtifactsDirectory { get; init; }

    /// <summary>The verdict: every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>Operations per function (create, update, cancel, get) and outcome (ok, fail, info), every pair present.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> OperationCounts
        => Enum.GetValues<OpFunction>().ToDictionary(
            f => Lower(f),
            IReadOnlyDictionary<string, int> (f) => Enum.GetValues<OpOutcome>().ToDictionary(o => Lower(o), o => Operations.Count(op => op.F == f && op.Outcome == o)));

    /// <summary>Operations per outcome, all functions together.</summary>
    public IReadOnlyDictionary<string, int> OutcomeCounts
        => Enum.GetValues<OpOutcome>().ToDictionary(o => Lower(o), o => Operations.Count(op => op.Outcome == o));

    /// <summary>Faults per type: the kind without its parameter (<c>sink-drop:0.3</c> counts as <c>sink-drop</c>).</summary>
    public IReadOnlyDictionary<string, int> FaultsByKind
        => Faults.GroupBy(f => FaultType(f.Kind)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Changes after the first observed leader.</summary>
    public int LeaderChangeCount => Math.Max(0, LeaderChanges.Count - 1);

    /// <summary>The L1 check's figures: calmP50Ms, calmP99Ms, calmMaxMs, faultP50Ms… (empty when it did not run).</summary>
    public IReadOnlyDictionary<string, double> Lateness
        => Checks.FirstOrDefault(c => c.Name == LatenessReport.Name)?.Figures ?? new Dictionary<string, double>();

    /// <summary>2xx deliveries beyond a timer's first, from the S6 check's figures.</summary>
    public int DuplicateDeliveries
        => (int)(Checks.FirstOrDefault(c => c.Name == DuplicateDeliveryCheck.Name)?.Figures.GetValueOrDefault("duplicateDeliveries") ?? 0);

    /// <summary>Distinct timer ids per state in the view of the node whose name sorts first (every node should agree).</summary>
    public static IReadOnlyDictionary<string, int> CountTimersByState(IEnumerable<NodeTimer> finalStates)
    {
        var states = finalStates.ToList();
        var firstNode = states.Select(s => s.Node).Order(StringComparer.Ordinal).FirstOrDefault();
        return states.Where(s => s.Node == firstNode)
            .GroupBy(s => s.State)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.TimerId).Distinct().Count());
    }

    public static string FaultType(string kind)
    {
        var colon = kind.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? kind : kind[..colon];
    }

    private static string Lower<T>(T value)
        where T : struct, Enum
        => value.ToString().ToLowerInvariant();
}

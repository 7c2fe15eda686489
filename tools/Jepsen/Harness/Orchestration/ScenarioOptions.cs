namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>How to run one scenario. The seed decides the workload, the nemesis's choices and the sink's faults.</summary>
public sealed record ScenarioOptions(string Scenario, int Seed, TimeSpan Duration)
{
    public int Nodes { get; init; } = 3;

    /// <summary>Where the run's logs, history, sink log and reports go; a fresh folder under the temp directory when null.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Use the network-namespace lab when it is available even if the scenario does not need partitions.</summary>
    public bool PreferLab { get; init; } = true;

    /// <summary>How long the cluster may take to deliver everything after the faults heal.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string ReplayCommand => $"tools/jepsen --scenario {Scenario} --seed {Seed} --duration {(int)Duration.TotalSeconds} --nodes {Nodes}";
}

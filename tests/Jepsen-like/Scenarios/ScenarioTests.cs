using RaftTimers.JepsenLike.Orchestration;
using Xunit.Abstractions;

namespace RaftTimers.JepsenLike.Scenarios;

/// <summary>
/// The fault scenarios, each a real run of node processes under a workload and a nemesis for about 30 s,
/// checked by the history checker. A scenario that needs network partitions where the namespace lab cannot
/// run is skipped with "NOT RUN: …" — never reported as passed. A failure prints the seed and the command
/// that replays it, and leaves the run's logs, history and reports in the output folder it names.
/// </summary>
[Collection(ScenarioCollection.Name)]
public sealed class ScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("RAFTTIMERS_JEPSEN_SECONDS"), out var seconds) ? seconds : 30);

    [SkippableTheory]
    [InlineData("leader-kill-loop", 11)]
    [InlineData("leader-pause", 12)]
    [InlineData("partition-minority", 13)]
    [InlineData("isolate-leader", 14)]
    [InlineData("kill-all", 15)]
    [InlineData("callback-faults", 16)]
    [InlineData("stale-leader-term", 12)]
    [InlineData("membership", 17)]
    [InlineData("clock-faults", 18)]
    [InlineData("disk-faults", 19)]
    public async Task Scenario_keeps_every_guarantee(string name, int defaultSeed)
    {
        var scenario = Nemesis.Scenarios.Named(name);
        var notRunnable = NetworkFactory.WhyNotRunnable(scenario.NeedsPartitions, scenario.NeedsDisks);
        Skip.If(notRunnable is not null, notRunnable);

        var seed = int.TryParse(Environment.GetEnvironmentVariable("RAFTTIMERS_JEPSEN_SEED"), out var forced) ? forced : defaultSeed;
        var options = new ScenarioOptions(name, seed, Duration)
        {
            OutputDirectory = Path.Combine(AppContext.BaseDirectory, "jepsen-runs", $"{name}-{seed}"),
        };
        if (Directory.Exists(options.OutputDirectory))
            Directory.Delete(options.OutputDirectory, recursive: true);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var outcome = await ScenarioRunner.RunAsync(options, NetworkFactory.For(scenario.NeedsPartitions, options.PreferLab), output.WriteLine, deadline.Token);
        var summary = RunReports.WriteAll(outcome);
        output.WriteLine(summary);
        Assert.True(outcome.Passed, $"{summary}\nreplay: {options.ReplayCommand}\nartifacts: {outcome.OutputDirectory}");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScenarioCollection
{
    public const string Name = "fault scenarios";
}

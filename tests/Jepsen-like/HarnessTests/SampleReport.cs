using RaftTimers.JepsenLike.Checker;
using RaftTimers.JepsenLike.History;
using RaftTimers.JepsenLike.Report;

namespace RaftTimers.JepsenLike.HarnessTests;

/// <summary>
/// A fabricated run for the report tests: about ten operations a second for 30 s from a seeded random, slower and
/// less certain during a partition and a leader pause, with a few operations left without an answer.
/// </summary>
internal static class SampleReport
{
    public const double StartMs = 1_780_000_000_000;

    public static RunReport Create(int operations = 300, bool failing = true)
    {
        var random = new Random(5);
        var faults = new List<FaultWindow>
        {
            new("partition-minority", "n3", StartMs + 6_000, StartMs + 13_500),
            new("sink-drop:0.3", "sink", StartMs + 18_000, StartMs + 24_000),
        };
        var ops = new List<Operation>();
        for (var i = 0; i < operations; i++)
        {
            var invoked = StartMs + (i * 30_000.0 / operations) + random.NextDouble() * 50;
            var inFault = faults.Any(f => invoked >= f.StartMs && invoked < f.EndMs);
            var latency = Math.Exp(random.NextDouble() * (inFault ? 8 : 3)) * (1 + random.NextDouble());
            var f = (OpFunction)(i % 4);
            var outcome = random.NextDouble() switch
            {
                < 0.08 when inFault => OpOutcome.Info,
                < 0.12 => OpOutcome.Fail,
                _ => OpOutcome.Ok,
            };
            var completed = outcome == OpOutcome.Info && i % 3 == 0 ? double.PositiveInfinity : invoked + latency;
            ops.Add(new Operation(i % 8, f, $"t-{i / 4}", invoked, completed, outcome, outcome == OpOutcome.Ok ? 200 : outcome == OpOutcome.Fail ? 409 : 0));
        }

        var finals = Enumerable.Range(0, 60).SelectMany(i => new[] { "n1", "n2", "n3" }
            .Select(n => new NodeTimer(n, $"t-{i}", i % 6 == 0 ? "cancelled" : "delivered", 1, StartMs + (i * 500), 7, 1))).ToList();
        List<string> lost = ["t-17: acknowledged create is not held by n3", "t-23: acknowledged create is not held by n3", "t-31: pending 40 s after due", "t-40: x", "t-41: y", "t-42: z", "t-43: w"];
        return new RunReport
        {
            Scenario = "partition-minority",
            Seed = 13,
            Commit = "0461eaa0123456789abcdef",
            Mode = "netns",
            NodeCount = 3,
            DurationSeconds = 30,
            StartedAtMs = StartMs,
            Operations = ops,
            TimersByState = RunReport.CountTimersByState(finals),
            Faults = faults,
            LeaderChanges = [new(StartMs + 400, "n1"), new(StartMs + 7_200, "n2"), new(StartMs + 14_100, "n2"), new(StartMs + 21_000, "n3")],
            Checks =
            [
                CheckResult.From(FireDecisionCheck.Name, "one fire decision per version", []),
                CheckResult.From(NoLostTimersCheck.Name, "acknowledged timers are held and finish", failing ? lost : []),
                CheckResult.From(DuplicateDeliveryCheck.Name, "duplicates carry one key", [], new() { ["duplicateDeliveries"] = 4, ["timersWithDuplicates"] = 3 }),
                CheckResult.From(LatenessReport.Name, "callback lateness", [], new()
                {
                    ["calmCount"] = 50, ["calmP50Ms"] = 12.4, ["calmP99Ms"] = 80.2, ["calmMaxMs"] = 131,
                    ["faultCount"] = 10, ["faultP50Ms"] = 900, ["faultP99Ms"] = 4100, ["faultMaxMs"] = 4500, ["recoveryMaxMs"] = 2300,
                }),
            ],
            ReplayCommand = "tools/jepsen --scenario partition-minority --seed 13 --duration 30 --nodes 3",
            DeliveryCount = 54,
            Settled = true,
            ArtifactsDirectory = "/tmp/jepsen-runs/partition-minority-13",
        };
    }
}

using System.Globalization;
using RaftTimers.JepsenLike.Nemesis;
using RaftTimers.JepsenLike.Orchestration;

// tools/jepsen: runs one named fault scenario against real node processes and checks the history.
//   tools/jepsen --scenario leader-kill-loop [--seed N] [--duration SECONDS] [--nodes 3|5] [--output DIR] [--loopback]
//   tools/jepsen --list
// Exit code 0 when every check passes, 1 when one fails (the replay command is printed), 2 on bad usage,
// 3 when the scenario cannot run here (NOT RUN).
string? scenario = null, output = null;
var seed = Random.Shared.Next(1, 1_000_000);
var seconds = 60;
var nodes = 3;
var loopback = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--list":
            foreach (var s in Scenarios.All)
                Console.WriteLine($"{s.Name,-20} {(s.NeedsPartitions ? "[lab] " : "")}{s.Description}");
            return 0;
        case "--scenario" when i + 1 < args.Length: scenario = args[++i]; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n): seed = n; i++; break;
        case "--duration" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var d) && d > 0: seconds = d; i++; break;
        case "--nodes" when i + 1 < args.Length && args[i + 1] is "3" or "5": nodes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--output" when i + 1 < args.Length: output = Path.GetFullPath(args[++i]); break;
        case "--loopback": loopback = true; break;
        case "--help" or "-h":
            Console.WriteLine("usage: tools/jepsen --scenario NAME [--seed N] [--duration SECONDS] [--nodes 3|5] [--output DIR] [--loopback] | --list");
            return 0;
        default:
            Console.Error.WriteLine($"jepsen: unexpected argument '{args[i]}' (try --help)");
            return 2;
    }
}

if (scenario is null)
{
    Console.Error.WriteLine("jepsen: --scenario is required (see --list)");
    return 2;
}

Scenario chosen;
try
{
    chosen = Scenarios.Named(scenario);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"jepsen: {e.Message}");
    return 2;
}

if (NetworkFactory.WhyNotRunnable(chosen.NeedsPartitions, chosen.NeedsDisks) is { } reason)
{
    Console.Error.WriteLine($"{chosen.Name}: {reason}");
    return 3;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var options = new ScenarioOptions(chosen.Name, seed, TimeSpan.FromSeconds(seconds)) { Nodes = nodes, OutputDirectory = output, PreferLab = !loopback };
var outcome = await ScenarioRunner.RunAsync(options, NetworkFactory.For(chosen.NeedsPartitions, options.PreferLab), Console.Error.WriteLine, cancel.Token);
Console.WriteLine(RunReports.WriteAll(outcome));
Console.WriteLine($"report: {Path.Combine(outcome.OutputDirectory, "report.html")}");
return outcome.Passed ? 0 : 1;

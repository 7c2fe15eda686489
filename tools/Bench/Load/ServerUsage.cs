using System.Globalization;
using System.Text.Json.Nodes;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Load;

/// <summary>
/// CPU time and context switches of the server processes, and of this generator, over the measured window, read from
/// <c>/proc</c> (Linux): what each operation cost each node. Needs the servers' PIDs (<c>--cluster</c> knows them,
/// <c>--pids</c> gives them for any other server) and so works only for servers on this machine.
/// </summary>
public sealed class ServerUsage
{
    /// <summary>Linux reports CPU time in clock ticks of USER_HZ, which is 100 on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    private readonly IReadOnlyList<(string Name, int Pid)> servers;
    private Sample[] start = [];
    private Sample[] end = [];
    private long startTimestamp;
    private long endTimestamp;
    private TimeSpan generatorStart;
    private TimeSpan generatorEnd;

    public ServerUsage(IReadOnlyList<(string Name, int Pid)> servers) => this.servers = servers;

    public void Start()
    {
        start = [.. servers.Select(s => Read(s.Pid))];
        generatorStart = Environment.CpuUsage.TotalTime;
        startTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public void Stop()
    {
        end = [.. servers.Select(s => Read(s.Pid))];
        generatorEnd = Environment.CpuUsage.TotalTime;
        endTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Adds a "cpu" section: per server its role (when <paramref name="roles"/> knows it), cores used, CPU µs and context
    /// switches per operation; the servers' sum; and this generator's own CPU per operation (it shares the machine).
    /// </summary>
    public void Report(BenchResult result, long operations, IReadOnlyDictionary<string, string> roles)
    {
        if (start.Length == 0 || end.Length == 0 || operations <= 0)
            return;
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalSeconds;
        result.Section("cpu over the measured window");
        double sum = 0;
        for (var i = 0; i < servers.Count; i++)
        {
            if (start[i].Ticks < 0 || end[i].Ticks < 0)
            {
                result.Add(servers[i].Name, "process not readable (stopped, or not on this machine)");
                continue;
            }

            var cpuSeconds = (end[i].Ticks - start[i].Ticks) / TicksPerSecond;
            var micros = cpuSeconds * 1e6 / operations;
            sum += micros;
            var switches = (double)(end[i].ContextSwitches - start[i].ContextSwitches) / operations;
            var role = roles.TryGetValue(servers[i].Name, out var r) ? r : "server";
            result.Group(servers[i].Name,
                new JsonObject
                {
                    ["role"] = role, ["cores"] = Math.Round(cpuSeconds / seconds, 3), ["cpuMicrosPerOp"] = Math.Round(micros, 1),
                    ["contextSwitchesPerOp"] = Math.Round(switches, 2),
                },
                string.Create(CultureInfo.InvariantCulture, $"{role}: {cpuSeconds / seconds:F2} cores, {micros:F1} µs/op, {switches:F2} context switches/op"));
        }

        result.Add("servers summed", sum, "µs/op");
        result.Add("generator", (generatorEnd - generatorStart).TotalMicroseconds / operations, "µs/op");
    }

    private static Sample Read(int pid)
    {
        try
        {
            // "pid (comm) state ...": comm may hold spaces and parentheses, so fields are counted after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            // Context switches are counted per thread; the sum misses threads that ended within the window.
            long switches = 0;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                            switches += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                    // the thread ended while being read
                }
            }

            return new Sample(ticks, switches);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or DirectoryNotFoundException)
        {
            return new Sample(-1, 0);
        }
    }

    private readonly record struct Sample(long Ticks, long ContextSwitches);
}

using RaftTimers.Tools.Bench.Cluster;
using RaftTimers.Tools.Bench.Load;
using RaftTimers.Tools.Bench.Report;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>The options every mode shares: where the servers are, how hard to push, where the JSON goes.</summary>
public sealed class CommonOptions
{
    public required IReadOnlyList<Uri> Nodes { get; init; }
    public LocalCluster? Cluster { get; init; }
    public required string To { get; init; }
    public required int Concurrency { get; init; }
    public required double Rate { get; init; }
    public required TimeSpan Duration { get; init; }
    public required TimeSpan Warmup { get; init; }
    public required int Padding { get; init; }
    public string? JsonPath { get; init; }
    public required bool Quiet { get; init; }
    public required bool RawClient { get; init; }

    /// <summary>The server processes whose CPU is measured: the cluster's nodes, or <c>--pids</c>; empty when neither is known.</summary>
    public required IReadOnlyList<(string Name, int Pid)> ServerProcesses { get; init; }

    public static CommonOptions Read(BenchArgs args, int concurrency = 64, double rate = 0, int duration = 60, int warmup = 5)
    {
        var clusterDir = args.Text("cluster");
        var nodesText = args.Text("nodes");
        LocalCluster? cluster = clusterDir is null ? null : LocalCluster.Load(clusterDir);
        IReadOnlyList<Uri> nodes = nodesText is not null
            ? nodesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList()
            : cluster?.Nodes.Select(n => n.Http).ToList()
              ?? throw new UsageException("say where the servers are: --nodes URL[,URL...] or --cluster DIR (a tools/cluster directory)");
        return new CommonOptions
        {
            Nodes = nodes,
            Cluster = cluster,
            To = args.Text("to", "all"),
            Concurrency = args.Int("concurrency", concurrency, 1, 100_000),
            Rate = args.Double("rate", rate, 0),
            Duration = TimeSpan.FromSeconds(args.Double("duration", duration, 0.1)),
            Warmup = TimeSpan.FromSeconds(args.Double("warmup", warmup, 0)),
            Padding = args.Int("padding", 0, 0, 60_000),
            JsonPath = args.Text("json"),
            ServerProcesses = ServerPids(args.Text("pids"), cluster),
            Quiet = args.Flag("quiet"),
            RawClient = args.Text("client", "raw") switch
            {
                "raw" => true,
                "httpclient" => false,
                var other => throw new UsageException($"--client must be raw or httpclient, not '{other}'"),
            },
        };
    }

    private static List<(string, int)> ServerPids(string? pids, LocalCluster? cluster)
    {
        if (pids is not null)
        {
            return [.. pids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                    ? ($"pid {pid}", pid)
                    : throw new UsageException($"--pids takes process ids separated by commas, not '{p}'"))];
        }

        return cluster is null ? [] : [.. cluster.Nodes.Where(n => n.Pid is not null).Select(n => (n.Id, n.Pid!.Value))];
    }

    /// <summary>A sampler of the servers' CPU over the measured window, when their processes are known.</summary>
    public ServerUsage? Usage() => ServerProcesses.Count == 0 ? null : new ServerUsage(ServerProcesses);

    public LiveProgress? Progress(string label) => Quiet ? null : new LiveProgress(Console.Error, label);

    public void AddTo(BenchResult result)
    {
        result.Section("settings")
            .Add("nodes", string.Join(",", Nodes))
            .Add("to", To)
            .Add("concurrency", Concurrency)
            .Add("rate", Rate > 0 ? Rate.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/s" : "closed loop")
            .Add("duration", Duration.TotalSeconds, "s", "F0")
            .Add("warm-up", Warmup.TotalSeconds, "s", "F0")
            .Add("client", RawClient ? "raw keep-alive sockets" : "HttpClient")
            .Add("processors", Environment.ProcessorCount);
    }

    public async Task FinishAsync(BenchResult result)
    {
        result.PrintTable(Console.Out);
        if (JsonPath is not null)
        {
            await File.WriteAllTextAsync(JsonPath, result.ToJson()).ConfigureAwait(false);
            Console.Out.WriteLine($"JSON written to {JsonPath}");
        }
    }
}

using RaftTimers.Tools.Bench.Plot;

namespace RaftTimers.Tools.Bench.Modes;

/// <summary>
/// <c>bench plot</c>: draws the chart of a run's JSON report as a self-contained SVG file; the report's mode picks the
/// chart: throughput over time (create, mix), the lateness distribution (precision), the failover timeline (failover).
/// </summary>
public static class PlotMode
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var jsonPath = args.Text("json") ?? throw new UsageException("plot needs --json FILE (a report written by bench --json)");
        var outPath = args.Text("out", Path.ChangeExtension(jsonPath, ".svg"));
        args.RejectUnknown();
        if (!File.Exists(jsonPath))
            throw new UsageException($"no report at {jsonPath}");

        var svg = Render(BenchReport.Parse(await File.ReadAllTextAsync(jsonPath).ConfigureAwait(false)));
        if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } directory)
            Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(outPath, svg).ConfigureAwait(false);
        Console.Out.WriteLine($"SVG written to {outPath}");
        return 0;
    }

    public static string Render(BenchReport report) => report.Mode switch
    {
        "create" or "mix" => ThroughputChart.Render(report),
        "precision" => LatenessChart.Render(report),
        "failover" => FailoverChart.Render(report),
        var other => throw new InvalidOperationException($"no chart for a '{other}' report: plot draws create, mix, precision and failover reports"),
    };
}

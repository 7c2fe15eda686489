using System.Globalization;
using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>The callback receiver process (jepsen-agent sink) of a run, with its fault plan.</summary>
public sealed class SinkHost : IAsyncDisposable
{
    private readonly HostProcess process;

    private SinkHost(HostProcess process, string url, string logPath)
    {
        this.process = process;
        Url = url;
        LogPath = logPath;
    }

    public string Url { get; }

    public string LogPath { get; }

    public static async Task<SinkHost> StartAsync(IHostNetwork network, string output, int seed, IReadOnlyList<FaultWindow> faults, CancellationToken token)
    {
        var listen = $"{network.AddressOf("sink")}:{network.HttpPortOf("sink")}";
        var logPath = Path.Combine(output, "sink.jsonl");
        var command = new List<string> { "dotnet", HarnessPaths.AgentDll, "sink", "--listen", listen, "--log", logPath, "--seed", seed.ToString(CultureInfo.InvariantCulture) };
        if (faults.Count > 0)
        {
            command.Add("--faults");
            command.Add(string.Join(',', faults.Select(f => $"{(long)f.StartMs}-{(long)f.EndMs}:{f.Kind["sink-".Length..]}")));
        }

        var processLog = Path.Combine(output, "sink.log");
        var process = HostProcess.Start(network.Wrap("sink", command), processLog, Path.GetDirectoryName(HarnessPaths.AgentDll)!);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(processLog) || !File.ReadAllText(processLog).Contains("listening on", StringComparison.Ordinal))
        {
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new InvalidOperationException($"the callback sink did not start: {File.ReadAllText(processLog)}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), token).ConfigureAwait(false);
        }

        return new SinkHost(process, $"http://{listen}", logPath);
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        process.Dispose();
    }
}

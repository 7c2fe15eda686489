using System.Diagnostics;
using RaftTimers.Tools.Cluster;

namespace RaftTimers.Tools.Bench.Cluster;

/// <summary>
/// A cluster started by <c>tools/cluster</c>, read from its DIR/cluster.json; signals go through the cluster tool
/// (<c>cluster kill/restart</c>), which only ever touches the PIDs it recorded.
/// </summary>
public sealed class LocalCluster(string directory, IReadOnlyList<LocalNode> nodes, string clusterDll)
{
    public string Directory { get; } = directory;

    public IReadOnlyList<LocalNode> Nodes { get; } = nodes;

    public static LocalCluster Load(string directory)
    {
        var path = Path.Combine(directory, "cluster.json");
        if (!File.Exists(path))
            throw new UsageException($"no cluster state at {path}: start one with tools/cluster start --data {directory}");
        var nodes = StateFile.Load(directory).Nodes.Select(n => new LocalNode(n.Id, new Uri(n.Http), n.Pid)).ToList();
        var dll = Environment.GetEnvironmentVariable("RAFTTIMERS_CLUSTER_DLL")
                  ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../Cluster/bin/Release/net10.0/cluster.dll"));
        if (!File.Exists(dll))
            throw new UsageException($"cluster.dll not found at {dll}: run through tools/bench, or set RAFTTIMERS_CLUSTER_DLL");
        return new LocalCluster(Path.GetFullPath(directory), nodes, dll);
    }

    public Task RestartAsync(string nodeId) => RunToolAsync("restart", "--data", Directory, "--node", nodeId, "--timeout-seconds", "120");

    private async Task RunToolAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(clusterDll);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run the cluster tool");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
    }
}

/// <summary>A node of the cluster; <see cref="Pid"/> is the process the cluster tool last started for it (null when stopped).</summary>
public sealed record LocalNode(string Id, Uri Http, int? Pid);

using RaftTimers.Client;
using RaftTimers.Support;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>
/// The run's node processes: each with its own data directory and log under the run directory, started
/// (inside its namespace in lab mode) with the real node binary. Kill, restart, pause and resume act on one
/// node by PID.
/// </summary>
public sealed class NodeSet : IAsyncDisposable
{
    private readonly IHostNetwork network;
    private readonly string runDirectory;
    private readonly IReadOnlyList<string> extraArgs;
    private readonly NodeDisks? disks;
    private readonly HostProcess?[] processes;
    private readonly bool[] paused;
    private readonly bool[] joining;
    private readonly bool[] started;

    /// <summary>Every node's admin token, for the membership nemesis.</summary>
    public const string AdminToken = "jepsen-admin-token";

    /// <param name="disks">Each node's own file system for its data, when the scenario fills disks; else a directory in the run's.</param>
    public NodeSet(IHostNetwork network, int count, string runDirectory, IReadOnlyList<string> extraArgs, NodeDisks? disks = null)
    {
        this.network = network;
        this.runDirectory = runDirectory;
        this.extraArgs = extraArgs;
        this.disks = disks;
        Ids = Enumerable.Range(1, count).Select(k => $"n{k}").ToList();
        processes = new HostProcess?[count];
        paused = new bool[count];
        joining = new bool[count];
        started = new bool[count];
        // The members speak mutual TLS on their Raft ports, as a production cluster should, under every fault.
        ClusterCertificates.Ensure(runDirectory, network.AddressOf(Ids[0]), Ids);
    }

    public IReadOnlyList<string> Ids { get; }

    public string UrlOf(string id) => $"http://{network.AddressOf(id)}:{network.HttpPortOf(id)}";

    public string RaftAddressOf(string id) => $"{network.AddressOf(id)}:{network.RaftPortOf(id)}";

    public IReadOnlyList<string> Urls => Ids.Select(UrlOf).ToList();

    public bool IsRunning(string id) => processes[Index(id)] is { HasExited: false };

    public bool IsPaused(string id) => paused[Index(id)];

    public void StartAll()
    {
        foreach (var id in Ids)
            Start(id);
    }

    public void Start(string id)
    {
        var i = Index(id);
        if (processes[i] is { HasExited: false })
            return;
        processes[i]?.Dispose();
        var members = string.Join(',', Ids.Select(RaftAddressOf));
        List<string> command =
        [
            "dotnet", HarnessPaths.NodeDll,
            "--node-id", id,
            "--http", UrlOf(id),
            "--raft", $"{network.AddressOf(id)}:{network.RaftPortOf(id)}",
            "--members", members,
            "--data", DataDirectoryOf(id),
            "--RaftTimers:Security:AdminToken=" + AdminToken,
            // The sink is on a private or loopback address, which the callback policy denies unless named here.
            $"--RaftTimers:Security:Callbacks:Permit={network.AddressOf("sink")}",
            .. ClusterCertificates.NodeArguments(runDirectory, id),
        ];
        // A wiped node comes back as a new, empty node that waits to be added; once it has joined, a restart
        // finds its membership on disk and ignores the switch.
        if (joining[i])
            command.AddRange(["--join", "true"]);
        else if (!started[i])
            command.AddRange(["--bootstrap", "true"]); // the node's first start creates the cluster
        started[i] = true;
        command.AddRange(extraArgs);
        processes[i] = HostProcess.Start(network.Wrap(id, command), LogOf(id), Path.GetDirectoryName(HarnessPaths.NodeDll)!);
        paused[i] = false;
    }

    public string DataDirectoryOf(string id) => disks?.DataDirectoryOf(id) ?? Path.Combine(runDirectory, id);

    /// <summary>The node's file systems, when the run mounted them (see <see cref="NodeDisks"/>).</summary>
    public NodeDisks? Disks => disks;

    public string LogOf(string id) => Path.Combine(runDirectory, $"{id}.log");

    /// <summary>
    /// Waits until a node just started either answers <c>/health/live</c> (null) or exits (its exit code), up to
    /// <paramref name="timeout"/>; a node that does neither is reported by a <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<int?> StartOutcomeAsync(string id, HttpClient http, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (processes[Index(id)] is { } process && process.ExitCode is { } code)
                return code;
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
                using var response = await http.GetAsync($"{UrlOf(id)}/health/live", probe.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return null;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
        }

        throw new TimeoutException($"{id} neither answered nor exited within {timeout}; log {LogOf(id)}");
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a node to exit by itself; its exit code, or null if it still runs.</summary>
    public async Task<int?> WaitForExitAsync(string id, TimeSpan timeout)
    {
        if (processes[Index(id)] is not { } process)
            return null;
        await process.WaitForExitAsync(timeout).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>The node setting that makes each node read its wall clock's shift from <see cref="ClockFileName"/> in its data directory.</summary>
    public const string ClockFileArg = "--RaftTimers:FaultInjection:ClockFile=" + ClockFileName;

    private const string ClockFileName = "clock";

    /// <summary>
    /// Shifts a node's wall clock by <paramref name="offsetMs"/>, drifting by <paramref name="driftMsPerSecond"/> from now on;
    /// only for nodes started with <see cref="ClockFileArg"/>, which read the file again every 100 ms.
    /// </summary>
    public Task SetClockAsync(string id, long offsetMs, double driftMsPerSecond = 0)
    {
        var directory = DataDirectoryOf(id);
        Directory.CreateDirectory(directory);
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{offsetMs} {driftMsPerSecond}\n");
        return File.WriteAllTextAsync(Path.Combine(directory, ClockFileName), text);
    }

    /// <summary>
    /// Deletes a stopped node's data, so that its next <see cref="Start"/> brings it up as a fresh node in join mode.
    /// Only for a node the cluster has removed: an empty node must never come back as a voter it was before.
    /// </summary>
    public void WipeForRejoin(string id)
    {
        if (IsRunning(id))
            throw new InvalidOperationException($"{id} still runs; stop it before wiping its data");
        var data = DataDirectoryOf(id);
        if (Directory.Exists(data))
            Directory.Delete(data, recursive: true);
        joining[Index(id)] = true;
    }

    public async Task KillAsync(string id)
    {
        if (processes[Index(id)] is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        paused[Index(id)] = false;
    }

    public void Pause(string id)
    {
        processes[Index(id)]?.Pause();
        paused[Index(id)] = true;
    }

    public void Resume(string id)
    {
        processes[Index(id)]?.Resume();
        paused[Index(id)] = false;
    }

    /// <summary>Every node running and none paused: what the run looks like after the faults heal.</summary>
    public void ReviveAll()
    {
        foreach (var id in Ids)
        {
            if (IsPaused(id))
                Resume(id);
            if (!IsRunning(id))
                Start(id);
        }
    }

    /// <summary>The node every answering node names as leader, or null when none is agreed right now.</summary>
    public async Task<string?> LeaderAsync(HttpClient http, CancellationToken token)
    {
        var named = new List<string>();
        foreach (var id in Ids.Where(n => IsRunning(n) && !IsPaused(n)))
        {
            var client = new RaftTimersClient(http, new RaftTimersClientOptions { Nodes = [new Uri(UrlOf(id))], RequestTimeout = TimeSpan.FromMilliseconds(800) });
            try
            {
                var info = (await client.GetClusterAsync(token).ConfigureAwait(false)).Json;
                if (info.TryGetProperty("role", out var role) && role.GetString() == "leader")
                    named.Add(id);
            }
            catch (Exception e) when (e is RaftTimersException or OperationCanceledException)
            {
                // No answer, or the run is ending: this node names no leader now.
            }
        }

        return named.Count == 1 ? named[0] : null;
    }

    /// <summary>Waits until a single leader is agreed, up to <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLeaderAsync(HttpClient http, TimeSpan timeout, CancellationToken token)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await LeaderAsync(http, token).ConfigureAwait(false) is { } leader)
                return leader;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"no leader within {timeout}; node logs in {runDirectory}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), token).ConfigureAwait(false);
        }
    }

    private int Index(string id) => LoopbackNetwork.NodeIndex(id) - 1;

    public async ValueTask DisposeAsync()
    {
        // Idempotent: the runner stops the nodes before it checks, and disposal runs again on every exit path.
        await Task.WhenAll(processes.Where(p => p is not null).Select(p => p!.StopAsync(TimeSpan.FromSeconds(5)))).ConfigureAwait(false);
        foreach (var process in processes)
            process?.Dispose();
    }
}

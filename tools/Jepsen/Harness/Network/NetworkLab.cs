using System.Globalization;
using System.Net;

namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// A Jepsen-style virtual network for one harness run. Every host — "n1".."nN", "sink", "client" — is a network
/// namespace with <c>lo</c> up and one veth ("eth0") into a bridge ("br0") that lives in a "hub" namespace of its
/// own. Addresses exist only inside these namespaces: 10.201.x.0/24, x chosen per lab (n_k = .k, sink = .100,
/// client = .101). The root namespace gets no address and no link into the lab, so nothing here can send
/// traffic to any other network. Partitions drop packets silently with nftables (<see cref="CutAsync"/>).
/// </summary>
/// <remarks>
/// <para>The orchestrator creates one lab per run (<see cref="CreateAsync"/>), starts every host's process with
/// <see cref="Wrap"/>, drives partitions from the nemesis, stops its processes, then disposes the lab.</para>
/// <para>Namespaces are named by <see cref="LabNames"/> after the creating process (<c>rj{pid}-{lab}-{host}</c>), so a
/// lab left behind by a killed run is removed by <see cref="RemoveStaleLabsAsync"/> at the next creation.</para>
/// </remarks>
public sealed partial class NetworkLab : IAsyncDisposable
{
    public const int MaxNodes = 9;
    public const int SinkHostNumber = 100;
    public const int ClientHostNumber = 101;

    private const string Hub = "hub";
    private const string Bridge = "br0";
    private const string HostInterface = "eth0";
    private const string NamespaceDirectory = "/var/run/netns";

    private readonly int ownerPid;
    private readonly char labId;
    private readonly int subnet;
    private readonly SemaphoreSlim buildSteps = new(1, 1);

    private NetworkLab(int ownerPid, char labId, int subnet, IReadOnlyList<string> hosts)
    {
        this.ownerPid = ownerPid;
        this.labId = labId;
        this.subnet = subnet;
        Hosts = hosts;
        Nodes = hosts.Where(LabNames.IsNode).ToList();
        RegisterExitCleanup();
    }

    /// <summary>"n1".."nN", "sink", "client".</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>"n1".."nN".</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The start of every namespace name of this lab, e.g. <c>rj48213-a-</c>.</summary>
    public string NamespacePrefix => LabNames.LabPrefix(ownerPid, labId);

    /// <summary>The lab's subnet, e.g. <c>10.201.37.0/24</c>.</summary>
    public string Subnet => $"10.201.{subnet}.0/24";

    /// <summary>Builds a lab of <paramref name="nodeCount"/> nodes (1..9; the harness uses 3 or 5) plus sink and client, all up.</summary>
    public static async Task<NetworkLab> CreateAsync(int nodeCount, CancellationToken token)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeCount, MaxNodes);
        await RemoveStaleLabsAsync().ConfigureAwait(false);

        var pid = Environment.ProcessId;
        var existing = ListNamespaces();
        var inUse = await SubnetsInUseAsync(existing, token).ConfigureAwait(false);
        var hosts = Enumerable.Range(1, nodeCount).Select(k => $"n{k}").Append("sink").Append("client").ToList();
        var subnet = LabReservations.ReserveSubnet(inUse);
        char labId;
        try
        {
            labId = LabReservations.ReserveId(pid, existing);
        }
        catch (InvalidOperationException)
        {
            LabReservations.ReleaseSubnet(subnet);
            throw;
        }

        var lab = new NetworkLab(pid, labId, subnet, hosts);
        try
        {
            await lab.BuildAsync(token).ConfigureAwait(false);
            return lab;
        }
        catch
        {
            await DisposeAfterFailedBuildAsync(lab).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Tears down a half-built lab without hiding the error that stopped the build.</summary>
    private static async Task DisposeAfterFailedBuildAsync(NetworkLab lab)
    {
        try
        {
            await lab.DisposeAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // A namespace that would not go is left to RemoveStaleLabsAsync once this process has exited.
        }
    }

    public string NamespaceOf(string host)
    {
        if (host != Hub)
            RequireHost(host);
        return LabNames.Namespace(ownerPid, labId, host);
    }

    public IPAddress AddressOf(string host)
    {
        RequireHost(host);
        var last = host switch
        {
            "sink" => SinkHostNumber,
            "client" => ClientHostNumber,
            _ => int.Parse(host[1..], CultureInfo.InvariantCulture),
        };
        return new IPAddress([10, 201, (byte)subnet, (byte)last]);
    }

    /// <summary>The command line that runs <paramref name="command"/> inside <paramref name="host"/>'s namespace, for ProcessStartInfo.</summary>
    public IReadOnlyList<string> Wrap(string host, IReadOnlyList<string> command) => ["ip", "netns", "exec", NamespaceOf(host), .. command];

    /// <summary>Runs a short command inside <paramref name="host"/>'s namespace; returns its stdout, throws <see cref="ShellCommandException"/> on a non-zero exit.</summary>
    public Task<string> ExecInAsync(string host, params string[] command) => Shell.RunAsync(Wrap(host, command));

    private void RequireHost(string host)
    {
        if (!Hosts.Contains(host))
            throw new ArgumentException($"'{host}' is not a host of this lab ({string.Join(", ", Hosts)})", nameof(host));
    }

    private async Task BuildAsync(CancellationToken token)
    {
        var hub = NamespaceOf(Hub);
        await StepAsync(token, "ip", "netns", "add", hub).ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", hub, "link", "set", "lo", "up").ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", hub, "link", "add", Bridge, "type", "bridge").ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", hub, "link", "set", Bridge, "up").ConfigureAwait(false);
        foreach (var host in Hosts)
            await AddHostAsync(hub, host, token).ConfigureAwait(false);
    }

    /// <summary>
    /// One host: its namespace, then a veth pair created directly in the host and hub namespaces (it never exists
    /// in the root namespace), the hub end enslaved to the bridge, the address, and the empty partition table.
    /// </summary>
    private async Task AddHostAsync(string hub, string host, CancellationToken token)
    {
        var ns = NamespaceOf(host);
        var hubEnd = $"v-{LabNames.HostCode(host)}";
        await StepAsync(token, "ip", "netns", "add", ns).ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
        await StepAsync(token, "ip", "link", "add", HostInterface, "netns", ns, "type", "veth", "peer", "name", hubEnd, "netns", hub).ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", hub, "link", "set", hubEnd, "master", Bridge, "up").ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", ns, "addr", "add", $"{AddressOf(host)}/24", "dev", HostInterface).ConfigureAwait(false);
        await StepAsync(token, "ip", "-n", ns, "link", "set", HostInterface, "up").ConfigureAwait(false);
        await StepWithInputAsync(token, PartitionTable, "ip", "netns", "exec", ns, "nft", "-f", "-").ConfigureAwait(false);
    }

    private Task StepAsync(CancellationToken token, params string[] command) => StepWithInputAsync(token, null, command);

    /// <summary>
    /// One build command, run under <see cref="buildSteps"/> and only while the lab is not disposed: a teardown
    /// on process exit waits for the step in flight, and no namespace is created after it.
    /// </summary>
    private async Task StepWithInputAsync(CancellationToken token, string? stdin, params string[] command)
    {
        await buildSteps.WaitAsync(token).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
            await Shell.RunAsync(command, stdin, token: token).ConfigureAwait(false);
        }
        finally
        {
            buildSteps.Release();
        }
    }

    /// <summary>
    /// The named network namespaces: the entries of the directory where <c>ip netns add</c> mounts them, read
    /// directly because <c>ip netns list</c> prints errors when a namespace is deleted while it lists.
    /// </summary>
    private static IReadOnlyList<string> ListNamespaces()
    {
        try
        {
            return Directory.Exists(NamespaceDirectory) ? Directory.GetFiles(NamespaceDirectory).Select(Path.GetFileName).OfType<string>().ToList() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Subnets used by other labs of ours (read from their namespaces) or by the root namespace's addresses and routes.</summary>
    private static async Task<IReadOnlySet<int>> SubnetsInUseAsync(IReadOnlyList<string> existing, CancellationToken token)
    {
        var used = new HashSet<int>();
        used.UnionWith(LabReservations.SubnetsIn(await Shell.RunAsync(["ip", "-4", "-o", "addr", "show"], token: token).ConfigureAwait(false)));
        used.UnionWith(LabReservations.SubnetsIn(await Shell.RunAsync(["ip", "-4", "route", "show", "table", "all"], token: token).ConfigureAwait(false)));
        foreach (var ns in existing.Where(ns => LabNames.TryParseOwner(ns, out _)))
        {
            // The namespace may vanish meanwhile (its lab disposed): then it uses nothing.
            var result = await Shell.TryRunAsync(["ip", "-n", ns, "-4", "-o", "addr", "show"], token: token).ConfigureAwait(false);
            used.UnionWith(LabReservations.SubnetsIn(result.Stdout));
        }

        return used;
    }
}

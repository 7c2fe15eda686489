using System.Net;
using System.Runtime.InteropServices;

namespace RaftTimers.JepsenLike.Network;

/// <summary>Whether the lab can run here, and why not.</summary>
public sealed record NetworkLabProbe(bool Available, string Reason);

/// <summary>
/// A Jepsen-style virtual network for one run: every host ("n1".."nN", "sink", "client") in its own network
/// namespace, each with one veth into a bridge that lives in a "hub" namespace of its own. Addresses exist only
/// inside these namespaces (10.201.x.0/24): the root namespace gets no address and no link into the lab.
/// Partitions drop packets silently with nftables inside the node namespaces, as Jepsen does with iptables.
/// </summary>
/// <remarks>
/// Namespaces are named <c>rj{pid}-{host}</c> after the creating process, so a lab left behind by a crashed
/// run is found and removed by <see cref="RemoveStaleLabsAsync"/>. Deleting a namespace only removes its name:
/// processes still running inside keep it alive, so the harness stops its processes before disposing the lab.
/// </remarks>
public sealed class NetworkLab : IAsyncDisposable
{
    private const string Prefix = "rj";
    private const string Table = "rtj";

    private readonly string name;
    private readonly int subnet;
    private readonly IReadOnlyList<string> hosts;
    private readonly HashSet<(string, string)> cuts = [];
    private readonly Lock gate = new();
    private int disposed;

    private NetworkLab(string name, int subnet, IReadOnlyList<string> hosts)
    {
        this.name = name;
        this.subnet = subnet;
        this.hosts = hosts;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        Console.CancelKeyPress += OnCancel;
    }

    public IReadOnlyList<string> Nodes => hosts.Where(h => h.StartsWith('n')).ToList();

    public IReadOnlyCollection<(string A, string B)> CurrentCuts
    {
        get
        {
            lock (gate)
                return cuts.ToList();
        }
    }

    public static NetworkLabProbe Probe()
    {
        if (!OperatingSystem.IsLinux())
            return new(false, "not Linux");
        if (GetEuid() != 0)
            return new(false, "not root (network namespaces need CAP_NET_ADMIN)");
        if (!Shell.Exists("ip"))
            return new(false, "'ip' (iproute2) is not installed");
        if (!Shell.Exists("nft"))
            return new(false, "'nft' is not installed (apt-get install nftables)");
        var trial = $"{Prefix}{Environment.ProcessId}-probe";
        try
        {
            Shell.Run(["ip", "netns", "add", trial]);
            Shell.Run(["ip", "netns", "exec", trial, "nft", "list", "tables"]);
            return new(true, "available");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return new(false, $"cannot create a network namespace here: {e.Message}");
        }
        finally
        {
            try
            {
                Shell.Run(["ip", "netns", "del", trial]);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    public static async Task<NetworkLab> CreateAsync(int nodeCount, CancellationToken token)
    {
        await RemoveStaleLabsAsync().ConfigureAwait(false);
        var hosts = Enumerable.Range(1, nodeCount).Select(k => $"n{k}").Append("sink").Append("client").ToList();
        var lab = new NetworkLab($"{Prefix}{Environment.ProcessId}", 1 + (Environment.ProcessId % 250), hosts);
        try
        {
            await lab.BuildAsync(token).ConfigureAwait(false);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task BuildAsync(CancellationToken token)
    {
        var hub = NamespaceOf("hub");
        await Shell.RunAsync(["ip", "netns", "add", hub]).ConfigureAwait(false);
        await Shell.RunAsync(["ip", "-n", hub, "link", "set", "lo", "up"]).ConfigureAwait(false);
        await Shell.RunAsync(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]).ConfigureAwait(false);
        await Shell.RunAsync(["ip", "-n", hub, "link", "set", "br0", "up"]).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            token.ThrowIfCancellationRequested();
            var ns = NamespaceOf(host);
            await Shell.RunAsync(["ip", "netns", "add", ns]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "-n", ns, "link", "set", "lo", "up"]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", $"v-{host}", "netns", hub]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "-n", hub, "link", "set", $"v-{host}", "master", "br0"]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "-n", hub, "link", "set", $"v-{host}", "up"]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "-n", ns, "addr", "add", $"{AddressOf(host)}/24", "dev", "eth0"]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "-n", ns, "link", "set", "eth0", "up"]).ConfigureAwait(false);
            if (host.StartsWith('n'))
            {
                await Shell.RunAsync(["ip", "netns", "exec", ns, "nft", "-f", "-"],
                    $"table inet {Table} {{\n chain input {{ type filter hook input priority 0; policy accept; }}\n chain output {{ type filter hook output priority 0; policy accept; }}\n}}\n").ConfigureAwait(false);
            }
        }
    }

    public string NamespaceOf(string host) => $"{name}-{host}";

    public IPAddress AddressOf(string host) => IPAddress.Parse(host switch
    {
        "sink" => $"10.201.{subnet}.100",
        "client" => $"10.201.{subnet}.101",
        _ when host.StartsWith('n') && int.TryParse(host[1..], out var k) => $"10.201.{subnet}.{k}",
        _ => throw new ArgumentException($"unknown lab host '{host}'"),
    });

    public IReadOnlyList<string> Wrap(string host, IReadOnlyList<string> command) => ["ip", "netns", "exec", NamespaceOf(host), .. command];

    /// <summary>Hosts in different components can no longer reach each other; links to hosts not named stay up.</summary>
    public async Task PartitionAsync(IReadOnlyList<IReadOnlyList<string>> components)
    {
        var pairs = new List<(string, string)>();
        for (var i = 0; i < components.Count; i++)
        {
            for (var j = i + 1; j < components.Count; j++)
                pairs.AddRange(components[i].SelectMany(a => components[j].Select(b => (a, b))));
        }

        await CutAsync(pairs).ConfigureAwait(false);
    }

    public Task IsolateAsync(string host) => PartitionAsync([[host], Nodes.Where(n => n != host).ToList()]);

    /// <summary>Drops every packet between each pair, both ways, in both namespaces.</summary>
    public async Task CutAsync(IEnumerable<(string A, string B)> pairs)
    {
        foreach (var (a, b) in pairs)
        {
            await DropAsync(a, b).ConfigureAwait(false);
            await DropAsync(b, a).ConfigureAwait(false);
            lock (gate)
                cuts.Add(string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a));
        }
    }

    private async Task DropAsync(string host, string peer)
    {
        if (!host.StartsWith('n'))
            throw new ArgumentException($"only node hosts carry partition rules, not '{host}'");
        var ns = NamespaceOf(host);
        var address = AddressOf(peer).ToString();
        await Shell.RunAsync(["ip", "netns", "exec", ns, "nft", "add", "rule", "inet", Table, "input", "ip", "saddr", address, "drop"]).ConfigureAwait(false);
        await Shell.RunAsync(["ip", "netns", "exec", ns, "nft", "add", "rule", "inet", Table, "output", "ip", "daddr", address, "drop"]).ConfigureAwait(false);
    }

    public async Task HealAsync()
    {
        foreach (var node in Nodes)
        {
            await Shell.RunAsync(["ip", "netns", "exec", NamespaceOf(node), "nft", "flush", "chain", "inet", Table, "input"]).ConfigureAwait(false);
            await Shell.RunAsync(["ip", "netns", "exec", NamespaceOf(node), "nft", "flush", "chain", "inet", Table, "output"]).ConfigureAwait(false);
        }

        lock (gate)
            cuts.Clear();
    }

    /// <summary>Deletes namespaces of labs whose creating process is gone; returns how many.</summary>
    public static async Task<int> RemoveStaleLabsAsync()
    {
        var removed = 0;
        var list = await Shell.RunAsync(["ip", "netns", "list"]).ConfigureAwait(false);
        foreach (var ns in list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]))
        {
            var dash = ns.IndexOf('-', StringComparison.Ordinal);
            if (!ns.StartsWith(Prefix, StringComparison.Ordinal) || dash < 0)
                continue;
            if (!int.TryParse(ns[Prefix.Length..dash], out var pid) || Directory.Exists($"/proc/{pid}"))
                continue;
            await Shell.RunAsync(["ip", "netns", "del", ns]).ConfigureAwait(false);
            removed++;
        }

        return removed;
    }

    private void DeleteAll()
    {
        foreach (var ns in hosts.Append("hub").Select(NamespaceOf))
        {
            try
            {
                Shell.Run(["ip", "netns", "del", ns]);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Already gone (or never made): nothing to clean.
            }
        }
    }

    private void OnExit(object? sender, EventArgs e) => DisposeSync();

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => DisposeSync();

    private void DisposeSync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            DeleteAll();
    }

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        Console.CancelKeyPress -= OnCancel;
        DisposeSync();
        return ValueTask.CompletedTask;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}

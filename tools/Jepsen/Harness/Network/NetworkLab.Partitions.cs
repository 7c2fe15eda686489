namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// The nemesis primitives. Every host namespace holds one nftables table, <c>inet rtj</c>, whose set <c>cut</c>
/// lists the peers this host is cut from; its input chain drops packets from them and its output chain drops
/// packets to them. A cut between A and B puts B in A's set and A in B's set, so packets vanish in both
/// directions at both ends — DROP, never REJECT: senders see silence, as in a real partition. The rules see every
/// packet, so an established TCP connection stalls as well (its retransmissions are dropped) and resumes on heal.
/// ARP is not filtered (the inet family sees IP only), so a healed link works again at once.
/// </summary>
public sealed partial class NetworkLab
{
    private const string Table = "rtj";
    private const string CutSet = "cut";

    /// <summary>The table created in every host namespace by <see cref="AddHostAsync"/>.</summary>
    private const string PartitionTable = $$"""
        table inet {{Table}} {
          set {{CutSet}} { type ipv4_addr; }
          chain input { type filter hook input priority 0; policy accept; ip saddr @{{CutSet}} drop; }
          chain output { type filter hook output priority 0; policy accept; ip daddr @{{CutSet}} drop; }
        }

        """;

    private readonly HashSet<(string A, string B)> cuts = [];
    private readonly SemaphoreSlim rules = new(1, 1);

    /// <summary>The cuts in force, each pair once in ordinal order, for the run report.</summary>
    public IReadOnlyCollection<(string A, string B)> CurrentCuts
    {
        get
        {
            lock (cuts)
                return cuts.OrderBy(c => c.A, StringComparer.Ordinal).ThenBy(c => c.B, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Drops all traffic between each pair, both ways. Adds to the cuts in force; cutting a pair twice is harmless.</summary>
    public Task CutAsync(IEnumerable<(string A, string B)> pairs)
        => ApplyAsync(pairs.Select(p => LabPartitions.Normalize(p.A, p.B)).ToHashSet());

    /// <summary>
    /// Hosts in different components can no longer reach each other. Hosts named in no component keep every link,
    /// so <c>[[n1], [n2, n3]]</c> leaves sink and client reachable from all three. Adds to the cuts in force: the
    /// nemesis heals between faults.
    /// </summary>
    public Task PartitionAsync(IReadOnlyList<IReadOnlyList<string>> components) => ApplyAsync(LabPartitions.Between(components));

    /// <summary>Cuts <paramref name="host"/> from every other node; sink and client stay reachable.</summary>
    public Task IsolateAsync(string host)
    {
        RequireHost(host);
        return ApplyAsync(LabPartitions.Isolating(host, Nodes));
    }

    /// <summary>Removes every cut in every host namespace.</summary>
    public async Task HealAsync()
    {
        await rules.WaitAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(Hosts.Select(h => Shell.RunAsync(NftIn(h, "flush", "set", "inet", Table, CutSet)))).ConfigureAwait(false);
            lock (cuts)
                cuts.Clear();
        }
        finally
        {
            rules.Release();
        }
    }

    /// <summary>
    /// One nft command per affected host, all hosts at once, so a partition starts nearly simultaneously everywhere.
    /// The cuts are recorded first: if a command fails, the report over-states rather than hides a cut.
    /// </summary>
    private async Task ApplyAsync(IReadOnlySet<(string A, string B)> pairs)
    {
        foreach (var (a, b) in pairs)
        {
            RequireHost(a);
            RequireHost(b);
        }

        var peersByHost = pairs.SelectMany(p => new[] { (Host: p.A, Peer: p.B), (Host: p.B, Peer: p.A) })
            .GroupBy(x => x.Host, x => AddressOf(x.Peer).ToString());
        await rules.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (cuts)
                cuts.UnionWith(pairs);
            await Task.WhenAll(peersByHost.Select(g =>
                Shell.RunAsync(NftIn(g.Key, "add", "element", "inet", Table, CutSet, $"{{ {string.Join(", ", g)} }}")))).ConfigureAwait(false);
        }
        finally
        {
            rules.Release();
        }
    }

    private string[] NftIn(string host, params string[] arguments) => ["ip", "netns", "exec", NamespaceOf(host), "nft", .. arguments];
}

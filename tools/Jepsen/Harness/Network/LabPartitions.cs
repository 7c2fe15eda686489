namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// The pure part of the nemesis primitives: which host pairs a partition or an isolation cuts. Pairs are
/// normalized (ordinal order), so (n2, n1) and (n1, n2) are the same cut.
/// </summary>
public static class LabPartitions
{
    public static (string A, string B) Normalize(string a, string b)
    {
        if (a == b)
            throw new ArgumentException($"cannot cut host '{a}' from itself");
        return string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
    }

    /// <summary>
    /// Every pair of hosts in different components. Hosts named in no component (usually "sink" and "client")
    /// keep all their links; a host named in two components is an error.
    /// </summary>
    public static IReadOnlySet<(string A, string B)> Between(IReadOnlyList<IReadOnlyList<string>> components)
    {
        var seen = new HashSet<string>();
        foreach (var host in components.SelectMany(c => c))
        {
            if (!seen.Add(host))
                throw new ArgumentException($"host '{host}' is named in more than one component (or twice)");
        }

        var pairs = new HashSet<(string, string)>();
        for (var i = 0; i < components.Count; i++)
        {
            for (var j = i + 1; j < components.Count; j++)
            {
                foreach (var a in components[i])
                {
                    foreach (var b in components[j])
                        pairs.Add(Normalize(a, b));
                }
            }
        }

        return pairs;
    }

    /// <summary>The pairs that cut <paramref name="host"/> from every other node (not from sink or client).</summary>
    public static IReadOnlySet<(string A, string B)> Isolating(string host, IEnumerable<string> nodes)
        => nodes.Where(n => n != host).Select(n => Normalize(host, n)).ToHashSet();
}

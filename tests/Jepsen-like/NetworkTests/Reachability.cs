using RaftTimers.JepsenLike.Network;

namespace RaftTimers.JepsenLike.NetworkTests;

/// <summary>
/// Who reaches whom in a lab, measured with one ICMP echo per ordered pair (ping from inside the sender's
/// namespace), all pairs at once. Ping is the lightest real end-to-end check: a TCP check would need a listener
/// program inside the namespace. <see cref="NetworkLabTests"/> checks TCP separately with sockets made in the namespaces.
/// </summary>
internal static class Reachability
{
    /// <summary>The ordered pairs (from, to) whose echo came back within a second.</summary>
    public static async Task<IReadOnlySet<(string From, string To)>> MeasureAsync(NetworkLab lab)
    {
        var pairs = lab.Hosts.SelectMany(a => lab.Hosts.Where(b => b != a).Select(b => (From: a, To: b))).ToList();
        var answers = await Task.WhenAll(pairs.Select(p => PingAsync(lab, p.From, p.To)));
        return pairs.Where((_, i) => answers[i]).ToHashSet();
    }

    /// <summary>Every ordered pair of distinct hosts except those whose (normalized) pair is cut.</summary>
    public static IReadOnlySet<(string From, string To)> Expected(NetworkLab lab, IEnumerable<(string A, string B)> cuts)
    {
        var cut = cuts.ToHashSet();
        return lab.Hosts.SelectMany(a => lab.Hosts.Where(b => b != a).Select(b => (From: a, To: b)))
            .Where(p => !cut.Contains(LabPartitions.Normalize(p.From, p.To))).ToHashSet();
    }

    /// <summary>Measures twice when the first measurement differs, so one lost echo on a busy machine is not a failure.</summary>
    public static async Task AssertAsync(NetworkLab lab, IEnumerable<(string A, string B)> cuts)
    {
        var expected = Expected(lab, cuts);
        var actual = await MeasureAsync(lab);
        if (!actual.SetEquals(expected))
            actual = await MeasureAsync(lab);
        var missing = expected.Except(actual).Select(p => $"{p.From}->{p.To}").Order();
        var extra = actual.Except(expected).Select(p => $"{p.From}->{p.To}").Order();
        Assert.True(actual.SetEquals(expected),
            $"unreachable but should be: [{string.Join(", ", missing)}]; reachable but should be cut: [{string.Join(", ", extra)}]");
    }

    private static async Task<bool> PingAsync(NetworkLab lab, string from, string to)
    {
        var result = await Shell.TryRunAsync(lab.Wrap(from, ["ping", "-n", "-c", "1", "-W", "1", lab.AddressOf(to).ToString()]));
        return result.ExitCode == 0;
    }
}

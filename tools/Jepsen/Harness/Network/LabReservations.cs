using System.Globalization;
using System.Text.RegularExpressions;

namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// Hands out, within this process, the one-character lab ids (namespace names) and the 10.201.x.0/24 subnets of
/// live labs, so that labs created concurrently (parallel tests) never share either. Other processes' labs
/// are seen through the namespaces that exist; their subnets are read from those namespaces. A subnet shared
/// with another process's lab would still be harmless (two labs share no link), so the check keeps reports and
/// debugging unambiguous rather than guarding isolation.
/// </summary>
internal static partial class LabReservations
{
    public const int FirstSubnet = 1;
    public const int LastSubnet = 250;

    private static readonly Lock Gate = new();
    private static readonly HashSet<char> Ids = [];
    private static readonly HashSet<int> Subnets = [];

    /// <summary>A lab id whose namespaces do not exist yet; <paramref name="existing"/> is the current namespace list.</summary>
    public static char ReserveId(int ownerPid, IReadOnlyCollection<string> existing)
    {
        lock (Gate)
        {
            foreach (var id in LabNames.LabIds)
            {
                var prefix = LabNames.LabPrefix(ownerPid, id);
                if (!Ids.Contains(id) && !existing.Any(ns => ns.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    Ids.Add(id);
                    return id;
                }
            }
        }

        throw new InvalidOperationException($"all {LabNames.LabIds.Length} lab ids of process {ownerPid} are in use");
    }

    /// <summary>A random free third octet for 10.201.x.0/24, avoiding <paramref name="inUse"/> and this process's labs.</summary>
    public static int ReserveSubnet(IReadOnlySet<int> inUse)
    {
        lock (Gate)
        {
            var free = Enumerable.Range(FirstSubnet, LastSubnet - FirstSubnet + 1).Where(s => !inUse.Contains(s) && !Subnets.Contains(s)).ToList();
            if (free.Count == 0)
                throw new InvalidOperationException("every 10.201.x.0/24 subnet is used by a lab or by this machine");
            var subnet = free[Random.Shared.Next(free.Count)];
            Subnets.Add(subnet);
            return subnet;
        }
    }

    public static void ReleaseId(char id)
    {
        lock (Gate)
            Ids.Remove(id);
    }

    public static void ReleaseSubnet(int subnet)
    {
        lock (Gate)
            Subnets.Remove(subnet);
    }

    /// <summary>The third octets of every 10.201.x.y found in <paramref name="ipOutput"/> (output of ip addr / ip route).</summary>
    public static IEnumerable<int> SubnetsIn(string ipOutput)
        => SubnetPattern().Matches(ipOutput).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\b10\.201\.(\d{1,3})\.")]
    private static partial Regex SubnetPattern();
}

namespace RaftTimers.JepsenLike.Network;

/// <summary>Whether the lab can run here; <paramref name="Reason"/> says why not (or "available").</summary>
public sealed record NetworkLabProbe(bool Available, string Reason);

public sealed partial class NetworkLab
{
    private static readonly Lazy<NetworkLabProbe> Probed = new(ProbeOnce);

    /// <summary>
    /// Checks, in order: Linux, root, <c>ip</c> and <c>nft</c> installed, then a real trial — a throwaway namespace
    /// with a bridge, a veth pair and the partition table, deleted again. Asked before every run that needs the lab
    /// (through <see cref="LabRequirement"/> or the network factory), it probes once per process.
    /// </summary>
    public static NetworkLabProbe Probe() => Probed.Value;

    private static NetworkLabProbe ProbeOnce()
    {
        if (!OperatingSystem.IsLinux())
            return new(false, "not Linux (network namespaces are a Linux feature)");
        if (!Environment.IsPrivilegedProcess)
            return new(false, "not root (creating network namespaces and nftables rules needs root)");
        if (!Shell.Exists("ip"))
            return new(false, "'ip' is not installed (Debian package iproute2)");
        if (!Shell.Exists("nft"))
            return new(false, "'nft' is not installed (Debian package nftables)");
        return Trial();
    }

    private static NetworkLabProbe Trial()
    {
        var pid = Environment.ProcessId;
        char id;
        try
        {
            id = LabReservations.ReserveId(pid, ListNamespaces());
        }
        catch (InvalidOperationException e)
        {
            return new(false, e.Message);
        }

        var ns = LabNames.Namespace(pid, id, "probe");
        try
        {
            Shell.Run(["ip", "netns", "add", ns]);
            Shell.Run(["ip", "-n", ns, "link", "add", Bridge, "type", "bridge"]);
            Shell.Run(["ip", "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
            Shell.Run(["ip", "-n", ns, "link", "set", "v0", "master", Bridge]);
            Shell.Run(["ip", "netns", "exec", ns, "nft", "-f", "-"], PartitionTable);
            return new(true, "available");
        }
        catch (ShellCommandException e)
        {
            return new(false, $"a trial network namespace failed: {e.Message}");
        }
        finally
        {
            DeleteNamespace(ns);
            LabReservations.ReleaseId(id);
        }
    }
}

using RaftTimers.JepsenLike.Network;

namespace RaftTimers.JepsenLike.Orchestration;

/// <summary>Chooses the run's network: the namespace lab when it is available (and required for partitions), else loopback.</summary>
public static class NetworkFactory
{
    /// <summary>Null when the scenario can run here; otherwise why not (reported as NOT RUN, never as passed).</summary>
    public static string? WhyNotRunnable(bool needsPartitions, bool needsDisks = false)
    {
        if (needsDisks && NodeDisks.WhyNotAvailable() is { } noDisks)
            return noDisks;
        if (!needsPartitions)
            return null;
        var probe = NetworkLab.Probe();
        return probe.Available ? null : $"NOT RUN: partitions need the network-namespace lab, unavailable here: {probe.Reason}";
    }

    public static Func<int, Task<IHostNetwork>> For(bool needsPartitions, bool preferLab)
        => async nodes => (needsPartitions || preferLab) && NetworkLab.Probe().Available
            ? await LabNetwork.CreateAsync(nodes, CancellationToken.None).ConfigureAwait(false)
            : new LoopbackNetwork(nodes);
}

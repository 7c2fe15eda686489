namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// The one place tests ask whether the namespace lab can run. A test that needs the lab and finds it unavailable
/// reports itself skipped with <see cref="SkipReason"/> ("NOT RUN: …"); it never passes.
/// </summary>
public static class LabRequirement
{
    private static readonly Lazy<NetworkLabProbe> Probed = new(NetworkLab.Probe);

    /// <summary>Null when the lab can run here; otherwise "NOT RUN: …" with the reason. Probes once per process.</summary>
    public static string? SkipReason()
        => Probed.Value.Available ? null : $"NOT RUN: the network-namespace lab is unavailable here: {Probed.Value.Reason}";
}

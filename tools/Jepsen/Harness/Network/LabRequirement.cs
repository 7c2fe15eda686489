namespace RaftTimers.JepsenLike.Network;

/// <summary>
/// The one place tests ask whether the namespace lab can run. A test that needs the lab and finds it unavailable
/// reports itself skipped with <see cref="SkipReason"/> ("NOT RUN: …"); it never passes.
/// </summary>
public static class LabRequirement
{
    /// <summary>Null when the lab can run here; otherwise "NOT RUN: …" with the reason.</summary>
    public static string? SkipReason()
        => NetworkLab.Probe() is { Available: false } probe ? $"NOT RUN: the network-namespace lab is unavailable here: {probe.Reason}" : null;
}

using RaftTimers.JepsenLike.Network;
using Xunit.Abstractions;

namespace RaftTimers.JepsenLike.NetworkTests;

/// <summary>
/// The availability check every lab test calls first. Where the lab cannot run (not root, no nft, no ping) the test
/// is reported as skipped with a "NOT RUN: …" reason, like the partition scenarios; it never counts as a pass.
/// `.ci/run` runs as root and installs nftables and iputils-ping, so there the lab tests run.
/// </summary>
internal static class LabGate
{
    public static void Require(ITestOutputHelper output)
    {
        var reason = LabRequirement.SkipReason()
            ?? (Shell.Exists("ping") ? null : "NOT RUN: 'ping' is not installed (Debian package iputils-ping)");
        if (reason is null)
            return;
        output.WriteLine(reason);
        Skip.If(true, reason);
    }
}

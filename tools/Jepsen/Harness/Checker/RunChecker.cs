using RaftTimers.JepsenLike.History;

namespace RaftTimers.JepsenLike.Checker;

/// <summary>Runs every check over one run and gives the verdicts in a fixed order.</summary>
public static class RunChecker
{
    /// <param name="earlyToleranceMs">How early a callback may be and pass <see cref="NeverEarlyCheck"/>.</param>
    public static IReadOnlyList<CheckResult> Check(RunRecord run, double earlyToleranceMs = NeverEarlyCheck.ToleranceMs)
    {
        var index = new RunIndex(run);
        return
        [
            FireDecisionCheck.Run(index),
            NoDeliveryAfterCancelCheck.Run(index),
            NeverEarlyCheck.Run(index, earlyToleranceMs),
            NoLostTimersCheck.Run(index),
            LinearizabilityCheck.Run(index),
            DuplicateDeliveryCheck.Run(index),
            LatenessReport.Run(index),
        ];
    }
}
